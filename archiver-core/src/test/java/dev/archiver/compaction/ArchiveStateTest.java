package dev.archiver.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.ManifestTotals;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.commit.RunningTotals;
import dev.archiver.testing.InMemoryCommitLog;
import dev.archiver.testing.InMemoryCompactionLog;
import dev.archiver.testing.Manifests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Status read from the newest manifest's running totals gives the answers the full read of every manifest gave
 * (the formulas status used before totals, kept here as the reference), on logs with data loss, offset resets,
 * quarantine-only batches, late rows, unknown fields and compactions; and on logs written before totals, wholly or
 * partly.
 */
public class ArchiveStateTest {
  @Test
  void totalsInTheNewestManifestAnswerAsTheFullReadDid() {
    List<CommitManifest> batches = batches();
    InMemoryCompactionLog compactions = compactions(batches);
    ArchiveState expected = fullRead(batches, compactions.all());

    CountingLog withTotals = new CountingLog();
    ManifestTotals running = ManifestTotals.NONE;
    for (CommitManifest m : batches) {
      running = running.plus(m);
      withTotals.commit(m.withTotals(running));
    }
    ArchiveState read = ArchiveState.read(withTotals, compactions);
    assertThat(read).usingRecursiveComparison().ignoringFields("last", "lossy").isEqualTo(expected);
    assertThat(read.last().map(CommitManifest::batchId)).isEqualTo(expected.last().map(CommitManifest::batchId));
    assertThat(read.lossy().stream().map(CommitManifest::batchId)).containsExactly(3L, 7L);
    assertThat(withTotals.reads.get()).as("the newest manifest and the two lossy ones, not all %s", batches.size())
        .isEqualTo(3);

    InMemoryCommitLog old = new InMemoryCommitLog(); // written before totals existed
    batches.forEach(old::commit);
    assertThat(ArchiveState.read(old, compactions)).usingRecursiveComparison().isEqualTo(expected);

    CountingLog upgraded = new CountingLog(); // old manifests, then an archiver that writes totals
    running = ManifestTotals.NONE;
    for (CommitManifest m : batches) {
      running = running.plus(m);
      upgraded.commit(m.batchId() < 6 ? m : m.withTotals(running));
    }
    assertThat(ArchiveState.read(upgraded, compactions)).usingRecursiveComparison().ignoringFields("last", "lossy")
        .isEqualTo(expected);
  }

  @Test
  void aWriterAfterAnOldArchiverFoldsTheOldManifestsOnce() {
    InMemoryCommitLog log = new InMemoryCommitLog();
    List<CommitManifest> batches = batches();
    batches.subList(0, 5).forEach(log::commit);
    ManifestTotals before = RunningTotals.before(log, 5);
    ManifestTotals expected = ManifestTotals.NONE;
    for (CommitManifest m : batches.subList(0, 5)) {
      expected = expected.plus(m);
    }
    assertThat(before).isEqualTo(expected);
    assertThat(before.batches()).isEqualTo(5);
    assertThat(RunningTotals.before(new InMemoryCommitLog(), 0)).isEqualTo(ManifestTotals.NONE);
  }

  @Test
  void theLatePartitionsKeptAreBoundedAndKeepTheLargest() {
    ManifestTotals totals = ManifestTotals.NONE;
    for (int day = 1; day <= ManifestTotals.LATE_PARTITIONS_KEPT + 20; day++) {
      CommitManifest m = Manifests.withLate(Manifests.manifest(day, "q", day * 10L, day * 10L + 10, 0),
          Map.of(String.format("event_date=2026-%02d-%02d", 1 + day / 28, 1 + day % 28), day == 7 ? 9L : 1L));
      totals = totals.plus(m);
    }
    assertThat(totals.latePartitions()).hasSize(ManifestTotals.LATE_PARTITIONS_KEPT);
    assertThat(totals.latePartitions().values().stream().mapToLong(Long::longValue).max()).hasValue(9);
    assertThat(totals.lateRecords()).as("the sum stays exact").isEqualTo(ManifestTotals.LATE_PARTITIONS_KEPT + 28);
  }

  /** Ten batches: data loss (3), an offset reset (7), quarantine-only (2, 5), late rows, unknown fields. */
  public static List<CommitManifest> batches() {
    List<CommitManifest> out = new ArrayList<>();
    for (long b = 0; b < 10; b++) {
      long quarantined = b == 2 || b == 5 ? 10 : b % 3;
      CommitManifest m = Manifests.manifest(b, "q", b * 10, b * 10 + 10, quarantined);
      if (quarantined == 10) { // nothing archived: no archive file
        m = Manifests.listing(b, "file:/archive", "file:/archive/_quarantine", List.of(),
            List.of("q-" + b + "-a.parquet", "q-" + b + "-b.parquet", "q-" + b + "-c.parquet", "q-" + b + "-d",
                "q-" + b + "-e", "q-" + b + "-f", "q-" + b + "-g", "q-" + b + "-h", "q-" + b + "-i", "q-" + b + "-j"));
      }
      if (b == 3) {
        m = Manifests.withDataLoss(m, List.of(new OffsetRange("events", 0, 25, 30)));
      }
      if (b == 7) {
        m = Manifests.withResets(m, List.of(new OffsetReset("events", 1, 500, 40)));
      }
      if (b % 4 == 1) {
        m = Manifests.withLate(m, Map.of("event_date=2026-11-2" + b % 3, b + 1));
      }
      if (b >= 6) {
        m = Manifests.withSchema(m, Map.of("region", b, "client", 1L), Optional.empty());
      }
      out.add(m);
    }
    return out;
  }

  /** One compaction of batches 0 and 1's files. */
  public static InMemoryCompactionLog compactions(List<CommitManifest> batches) {
    InMemoryCompactionLog log = new InMemoryCompactionLog();
    List<DataFile> replaced = new ArrayList<>(batches.get(0).files());
    replaced.addAll(batches.get(1).files());
    long rows = replaced.stream().mapToLong(DataFile::rows).sum();
    log.commit(new CompactionManifest(CompactionManifest.FORMAT_VERSION, CompactionManifest.KIND, 0,
        Instant.parse("2026-11-26T00:00:00Z"), "file:/archive", 1, List.of("event_date=2026-11-25"), replaced,
        List.of(new DataFile("event_date=2026-11-25/part-compacted-0.parquet", rows, 1500)), rows));
    return log;
  }

  /** What status computed from every manifest before running totals (the reference). */
  static ArchiveState fullRead(List<CommitManifest> manifests, List<CompactionManifest> compactions) {
    LiveFiles live = LiveFiles.of(manifests, compactions);
    Map<String, Long> unknown = new TreeMap<>();
    manifests.forEach(m -> m.unknownFields().forEach((name, n) -> unknown.merge(name, n, Long::sum)));
    Map<String, Long> late = new TreeMap<>();
    manifests.forEach(m -> m.latePartitions().forEach((p, n) -> late.merge(p, n, Long::sum)));
    Map<String, Long> ends = manifests.stream().flatMap(m -> m.offsets().stream())
        .collect(Collectors.toMap(OffsetRange::topicPartition, OffsetRange::endOffset, Math::max));
    ManifestTotals totals = new ManifestTotals(manifests.size(),
        manifests.stream().mapToLong(CommitManifest::numRecords).sum(),
        manifests.stream().mapToLong(CommitManifest::numArchived).sum(),
        manifests.stream().mapToLong(CommitManifest::numQuarantined).sum(),
        manifests.stream().mapToLong(m -> m.files().size()).sum(),
        manifests.stream().mapToLong(CommitManifest::archivedBytes).sum(),
        manifests.stream().mapToLong(m -> m.quarantineFiles().size()).sum(),
        manifests.stream().mapToLong(CommitManifest::lostRecords).sum(),
        manifests.stream().mapToLong(CommitManifest::lateRows).sum(),
        manifests.stream().filter(m -> !m.latePartitions().isEmpty()).count(), late, unknown, ends,
        manifests.stream().filter(m -> !m.dataLoss().isEmpty() || !m.offsetResets().isEmpty())
            .map(CommitManifest::batchId).toList());
    return new ArchiveState(Optional.of(manifests.get(manifests.size() - 1)), totals, live.live().size(),
        live.live().values().stream().mapToLong(DataFile::bytes).sum(), compactions, live.replaced().size(),
        manifests.stream().filter(m -> !m.dataLoss().isEmpty() || !m.offsetResets().isEmpty()).toList());
  }

  /** A log that counts manifest reads. */
  static final class CountingLog implements CommitLog {
    final InMemoryCommitLog log = new InMemoryCommitLog();
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public List<Long> batchIds() {
      return log.batchIds();
    }

    @Override
    public Optional<Long> latestBatchId() {
      return log.latestBatchId();
    }

    @Override
    public Optional<CommitManifest> read(long batchId) {
      reads.incrementAndGet();
      return log.read(batchId);
    }

    @Override
    public void commit(CommitManifest manifest) {
      log.commit(manifest);
    }
  }
}
