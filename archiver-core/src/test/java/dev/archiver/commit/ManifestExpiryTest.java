package dev.archiver.commit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.compaction.ArchiveState;
import dev.archiver.compaction.ArchiveStateTest;
import dev.archiver.compaction.LiveFiles;
import dev.archiver.testing.InMemoryCommitLog;
import dev.archiver.testing.InMemoryCompactionLog;
import dev.archiver.testing.InMemoryStorage;
import dev.archiver.vacuum.Vacuum;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expiring old manifests keeps every answer status and vacuum gave before. */
class ManifestExpiryTest {
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  @Test
  void statusAnswersTheSameAfterExpiryWithOrWithoutTotalsInTheManifests() {
    for (boolean withTotals : List.of(true, false)) {
      List<CommitManifest> batches = ArchiveStateTest.batches(); // committed 2026-11-25T06:00:0<batch>Z
      InMemoryCommitLog log = new InMemoryCommitLog();
      ManifestTotals running = ManifestTotals.NONE;
      for (CommitManifest m : batches) {
        running = running.plus(m);
        log.commit(withTotals ? m.withTotals(running) : m);
      }
      InMemoryCompactionLog compactions = new InMemoryCompactionLog();
      ArchiveState before = ArchiveState.read(log, compactions);

      Instant cutoff = Instant.parse("2026-11-25T06:00:06.5Z"); // batches 0..6 are older
      ManifestExpiry.Result dry = ManifestExpiry.run(log, cutoff, Long.MAX_VALUE, NOW, true);
      assertThat(log.batchIds()).as("a dry run changes nothing").hasSize(10);
      ManifestExpiry.Result result = ManifestExpiry.run(log, cutoff, Long.MAX_VALUE, NOW, false);
      assertThat(result).isEqualTo(dry);

      assertThat(result.removed()).containsExactly(0L, 1L, 2L, 4L, 5L, 6L);
      assertThat(result.kept()).as("batch 3 recorded data loss").containsExactly(3L);
      assertThat(log.batchIds()).containsExactly(3L, 7L, 8L, 9L);
      assertThat(log.summary().orElseThrow().throughBatchId()).isEqualTo(6);
      assertThat(ArchiveState.read(log, compactions)).as("with totals: %s", withTotals)
          .usingRecursiveComparison().isEqualTo(before);
      assertThat(RunningTotals.before(log, 10)).isEqualTo(running);

      // Again, later: the summary moves on, still never past the newest.
      ManifestExpiry.run(log, NOW, Long.MAX_VALUE, NOW, false);
      assertThat(log.batchIds()).containsExactly(3L, 7L, 9L);
      assertThat(ArchiveState.read(log, compactions)).usingRecursiveComparison().isEqualTo(before);
    }
  }

  @Test
  void keepsBatchesADbtLedgerHasNotApplied() {
    InMemoryCommitLog log = new InMemoryCommitLog();
    ArchiveStateTest.batches().forEach(log::commit);
    ManifestExpiry.run(log, NOW, 4, NOW, false);
    assertThat(log.batchIds()).containsExactly(3L, 5L, 6L, 7L, 8L, 9L);
    assertThat(ManifestExpiry.run(new InMemoryCommitLog(), NOW, 4, NOW, false).summary()).isEmpty();
  }

  @Test
  void vacuumAfterExpiryKeepsTheFilesOfExpiredBatches() {
    String root = "s3a://lake/archive";
    String quarantine = root + "/_quarantine";
    InMemoryCommitLog log = new InMemoryCommitLog();
    InMemoryStorage storage = new InMemoryStorage();
    Instant old = NOW.minus(Duration.ofDays(100));
    for (long b = 0; b < 6; b++) {
      String file = String.format("event_date=2026-08-20/part-%020d-00000-w-0.c000.snappy.parquet", b);
      log.commit(dev.archiver.testing.Manifests.listing(b, root, quarantine, List.of(file), List.of()));
      storage.file(root + "/" + file, 100, old);
    }
    String orphan = String.format("event_date=2026-08-20/part-%020d-00000-x-0.c000.snappy.parquet", 5);
    storage.file(root + "/" + orphan, 100, old);
    ManifestExpiry.run(log, NOW, Long.MAX_VALUE, NOW, false);
    assertThat(log.batchIds()).containsExactly(5L);

    Vacuum.Result result = new Vacuum(storage, r -> log).run(new Vacuum.Request(root, quarantine,
        root + "/_archiver/checkpoint", Duration.ofDays(2), NOW, false));
    assertThat(result.orphans()).extracting(f -> f.uri()).containsExactly(root + "/" + orphan);
    assertThat(storage.deleted).containsExactly(root + "/" + orphan);
    assertThat(result.committedFiles()).as("5 expired batches' files and the newest's").isEqualTo(6);
  }

  @Test
  void aCompactionOfExpiredBatchesFilesStillFolds() {
    List<CommitManifest> batches = ArchiveStateTest.batches();
    InMemoryCompactionLog compactions = ArchiveStateTest.compactions(batches); // replaces batches 0 and 1's files
    LiveFiles live = LiveFiles.of(batches.subList(2, 10), compactions.all(), 1);
    assertThat(live.live()).containsKey("event_date=2026-11-25/part-compacted-0.parquet");
    assertThat(live.replaced()).hasSize(2);
    assertThat(Map.copyOf(live.replaced())).isNotEmpty();
  }
}
