package dev.archiver.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.InvalidInputException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.DataFile;
import dev.archiver.testing.InMemoryCommitLog;
import dev.archiver.testing.InMemoryCompactionLog;
import dev.archiver.testing.Manifests;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CompactorTest {
  private static final String A = "file:/archive";
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private final InMemoryCommitLog batches = new InMemoryCommitLog();
  private final InMemoryCompactionLog compactions = new InMemoryCompactionLog();
  private final FakeRewriter rewriter = new FakeRewriter();
  private final AtomicInteger ids = new AtomicInteger();

  /** Files as rows of fake coordinates: each file's rows are (path hash, i). */
  private static final class FakeRewriter implements Compactor.Rewriter {
    final Map<String, Long> files = new HashMap<>();
    final Set<String> deleted = new HashSet<>();
    final List<List<DataFile>> groups = new java.util.ArrayList<>();
    boolean dropARow;
    Runnable afterWrite = () -> { };

    @Override
    public Compactor.Rewritten rewrite(String archiveRoot, List<DataFile> inputs, String newPath) {
      groups.add(List.copyOf(inputs));
      Fingerprint read = Fingerprint.EMPTY;
      for (DataFile f : inputs) {
        for (long i = 0; i < f.rows(); i++) {
          read = read.add("events", f.path().hashCode(), i);
        }
      }
      long rows = inputs.stream().mapToLong(DataFile::rows).sum() - (dropARow ? 1 : 0);
      Fingerprint written = dropARow ? new Fingerprint(rows, read.sum() - 1) : read;
      files.put(newPath, rows);
      afterWrite.run();
      return new Compactor.Rewritten(new DataFile(newPath, rows, 10 * rows), read, written);
    }

    @Override
    public boolean exists(String archiveRoot, DataFile file) {
      return files.containsKey(file.path());
    }

    @Override
    public void delete(String archiveRoot, String path) {
      deleted.add(path);
      files.remove(path);
    }
  }

  private Compactor compactor() {
    return new Compactor(batches, compactions, rewriter, () -> "w" + ids.incrementAndGet(),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static Compactor.Request request(long target) {
    return new Compactor.Request(A, Duration.ofDays(1), target, ".c000.snappy.parquet", false);
  }

  private void batch(long id, String... paths) {
    batches.commit(Manifests.listing(id, A, A + "/_quarantine", List.of(paths), List.of()));
  }

  private void batch(long id, ArchiveSchema schema, String... paths) {
    batches.commit(Manifests.withSchema(Manifests.listing(id, A, A + "/_quarantine", List.of(paths), List.of()),
        java.util.Map.of(), java.util.Optional.of(schema)));
  }

  @Test
  void replacesTheSmallFilesOfClosedPartitionsOnlyAndKeepsEveryRow() {
    batch(0, "event_date=2026-11-25/a.parquet", "event_date=2026-11-28/x.parquet");
    batch(1, "event_date=2026-11-25/b.parquet", "event_date=2026-11-28/y.parquet");
    batch(2, "event_date=2026-11-25/c.parquet", "event_date=2026-11-26/d.parquet");

    Compactor.Result result = compactor().run(request(1000));

    assertThat(result.committed()).as("only 2026-11-25 is closed and has two or more small files").hasSize(1);
    CompactionManifest c = result.committed().get(0);
    assertThat(c.sequence()).isZero();
    assertThat(c.afterBatchId()).isEqualTo(2);
    assertThat(c.partitions()).containsExactly("event_date=2026-11-25");
    assertThat(c.replaced()).extracting(DataFile::path).containsExactly("event_date=2026-11-25/a.parquet",
        "event_date=2026-11-25/b.parquet", "event_date=2026-11-25/c.parquet");
    assertThat(c.files()).extracting(DataFile::path)
        .containsExactly("event_date=2026-11-25/part-compacted-w1-00000.c000.snappy.parquet");
    assertThat(c.rows()).isEqualTo(3);
    LiveFiles live = LiveFiles.of(batches.all(), compactions.all());
    assertThat(live.live().keySet()).containsExactlyInAnyOrder("event_date=2026-11-28/x.parquet",
        "event_date=2026-11-28/y.parquet", "event_date=2026-11-26/d.parquet",
        "event_date=2026-11-25/part-compacted-w1-00000.c000.snappy.parquet");
    assertThat(live.replaced()).containsOnlyKeys(c.replaced().stream().map(DataFile::path).toArray(String[]::new));
    assertThat(live.live().values().stream().mapToLong(DataFile::rows).sum()).as("rows before and after").isEqualTo(6);

    assertThat(compactor().run(request(1000)).committed()).as("nothing left to compact: idempotent").isEmpty();
  }

  @Test
  void packsFilesIntoGroupsUpToTheTargetAndLeavesBigFilesAlone() {
    // listing() gives every file 100 bytes: a target of 250 packs two per group; a lone leftover is not rewritten.
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b", "event_date=2026-11-25/c",
        "event_date=2026-11-25/d", "event_date=2026-11-25/e");
    CompactionManifest c = compactor().run(request(250)).committed().get(0);
    assertThat(c.files()).hasSize(2);
    assertThat(c.replaced()).extracting(DataFile::path).containsExactly("event_date=2026-11-25/a",
        "event_date=2026-11-25/b", "event_date=2026-11-25/c", "event_date=2026-11-25/d");

    assertThat(compactor().run(request(100)).plans()).as("files of the target size are not small")
        .flatExtracting(Compactor.PartitionPlan::groups).flatExtracting(g -> g).extracting(DataFile::path)
        .doesNotContain("event_date=2026-11-25/e").isNotEmpty();
  }

  @Test
  void filesOfTwoSchemasArePackedApartAndTheNewFilesKeepTheirSchema() {
    ArchiveSchema before = ArchiveSchema.of("id STRING");
    ArchiveSchema after = ArchiveSchema.of("id STRING,_extra STRING");
    batch(0, before, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    batch(1, after, "event_date=2026-11-25/c", "event_date=2026-11-25/d");
    batch(2, before, "event_date=2026-11-25/e");

    List<CompactionManifest> committed = compactor().run(request(1000)).committed();

    assertThat(committed).as("a compaction per schema: a Parquet file has one schema").hasSize(2)
        .allSatisfy(c -> assertThat(c.files()).hasSize(1));
    assertThat(committed).flatExtracting(CompactionManifest::replaced).extracting(DataFile::path)
        .containsExactlyInAnyOrder("event_date=2026-11-25/a", "event_date=2026-11-25/b", "event_date=2026-11-25/c",
            "event_date=2026-11-25/d", "event_date=2026-11-25/e");
    LiveFiles live = LiveFiles.of(batches.all(), compactions.all());
    assertThat(live.live().keySet().stream().map(live::schemaOf))
        .containsExactlyInAnyOrder(before.fingerprint(), after.fingerprint());
    assertThat(rewriter.groups).as("a group never mixes schemas").allSatisfy(g ->
        assertThat(g.stream().map(f -> f.path().endsWith("c") || f.path().endsWith("d")).distinct()).hasSize(1));
  }

  @Test
  void publishesNothingAndDeletesItsFilesWhenTheRowsDiffer() {
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    rewriter.dropARow = true;
    assertThatThrownBy(() -> compactor().run(request(1000))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not keep the rows").hasMessageContaining("nothing was published");
    assertThat(compactions.sequences()).isEmpty();
    assertThat(rewriter.files).as("the new file was deleted").isEmpty();
  }

  @Test
  void aCompactionThatLostTheRaceDeletesItsFilesAndPublishesNothing() {
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    Compactor first = compactor();
    // While the first writes its file, a second compaction of the same partition commits.
    rewriter.afterWrite = () -> {
      rewriter.afterWrite = () -> { };
      assertThat(compactor().run(request(1000)).committed()).hasSize(1);
    };
    Compactor.Result result = first.run(request(1000));
    assertThat(result.committed()).isEmpty();
    assertThat(result.notes()).singleElement().asString().contains("compaction 0 rewrote it meanwhile");
    assertThat(compactions.sequences()).containsExactly(0L);
    assertThat(rewriter.deleted).containsExactly("event_date=2026-11-25/part-compacted-w1-00000.c000.snappy.parquet");
    assertThat(LiveFiles.of(batches.all(), compactions.all()).live().keySet())
        .containsExactly("event_date=2026-11-25/part-compacted-w2-00000.c000.snappy.parquet");
  }

  @Test
  void takesTheNextSequenceWhenAnotherPartitionsCompactionCommittedFirst() {
    batch(0, "event_date=2026-11-24/a", "event_date=2026-11-24/b", "event_date=2026-11-25/c",
        "event_date=2026-11-25/d");
    List<CompactionManifest> sneaked = new ArrayList<>();
    rewriter.afterWrite = () -> {
      rewriter.afterWrite = () -> { };
      // another compactor commits 2026-11-25 only, with sequence 0, while this one writes 2026-11-24
      CompactionManifest other = CompactionManifest.of(0, NOW, A, 0, List.of("event_date=2026-11-25"),
          List.of(new DataFile("event_date=2026-11-25/c", 1, 100), new DataFile("event_date=2026-11-25/d", 1, 100)),
          List.of(new DataFile("event_date=2026-11-25/other", 2, 150)));
      compactions.commit(other);
      sneaked.add(other);
    };
    Compactor.Result result = compactor().run(request(1000));
    assertThat(sneaked).hasSize(1);
    assertThat(result.committed()).extracting(CompactionManifest::sequence).containsExactly(1L);
    assertThat(result.notes()).as("its own 2026-11-25 plan was taken by the other").singleElement().asString()
        .contains("event_date=2026-11-25");
    assertThat(LiveFiles.of(batches.all(), compactions.all()).live().keySet()).containsExactlyInAnyOrder(
        "event_date=2026-11-24/part-compacted-w1-00000.c000.snappy.parquet", "event_date=2026-11-25/other");
  }

  @Test
  void doesNotPublishNewFilesThatVanishedBeforeTheCommit() {
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    rewriter.afterWrite = () -> rewriter.files.clear(); // a vacuum with too short a grace period
    assertThatThrownBy(() -> compactor().run(request(1000))).hasMessageContaining("is gone or changed");
    assertThat(compactions.sequences()).isEmpty();
  }

  @Test
  void aBatchCommittedWhileCompactingStaysLiveBesideTheNewFile() {
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    // the running job commits a late event into the closed partition while the compaction writes
    rewriter.afterWrite = () -> batch(1, "event_date=2026-11-25/late");
    Compactor.Result result = compactor().run(request(1000));
    assertThat(result.committed()).singleElement().extracting(CompactionManifest::afterBatchId).isEqualTo(0L);
    LiveFiles live = LiveFiles.of(batches.all(), compactions.all());
    assertThat(live.live().keySet()).containsExactlyInAnyOrder(
        "event_date=2026-11-25/part-compacted-w1-00000.c000.snappy.parquet", "event_date=2026-11-25/late");
    assertThat(live.live().values().stream().mapToLong(DataFile::rows).sum()).isEqualTo(3);
  }

  @Test
  void aDryRunPlansAndWritesNothing() {
    batch(0, "event_date=2026-11-25/a", "event_date=2026-11-25/b");
    Compactor.Result result = compactor().run(new Compactor.Request(A, Duration.ofDays(1), 1000, ".parquet", true));
    assertThat(result.plans()).singleElement().extracting(Compactor.PartitionPlan::files).isEqualTo(2L);
    assertThat(rewriter.files).isEmpty();
    assertThat(compactions.sequences()).isEmpty();
  }

  @Test
  void closedMeansTheRangeEndedLongEnoughAgo() {
    assertThat(ClosedPartitions.isClosed("event_date=2026-11-26", Duration.ofDays(1), NOW)).isTrue();
    assertThat(ClosedPartitions.isClosed("event_date=2026-11-27", Duration.ofDays(1), NOW))
        .as("ends 2026-11-28T00:00, less than a day ago").isFalse();
    assertThat(ClosedPartitions.isClosed("event_date=2026-11-28/event_hour=09", Duration.ofHours(2), NOW)).isTrue();
    assertThat(ClosedPartitions.isClosed("event_date=2026-11-28/event_hour=10", Duration.ofHours(2), NOW)).isFalse();
    assertThat(ClosedPartitions.isClosed("other=x", Duration.ZERO, NOW)).as("unknown layout").isFalse();
  }

  @Test
  void liveFilesRefuseACompactionOfFilesNoBatchLists() {
    batch(0, "event_date=2026-11-25/a");
    CompactionManifest stray = CompactionManifest.of(0, NOW, A, 0, List.of("event_date=2026-11-25"),
        List.of(new DataFile("event_date=2026-11-25/zzz", 1, 100)), List.of(new DataFile("event_date=2026-11-25/n", 1,
            100)));
    assertThatThrownBy(() -> LiveFiles.of(batches.all(), List.of(stray))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("replaces event_date=2026-11-25/zzz, which no batch lists");
  }

  @Test
  void aManifestThatLosesRowsCannotBeBuilt() {
    assertThatThrownBy(() -> CompactionManifest.of(0, NOW, A, 0, List.of("p"), List.of(new DataFile("p/a", 2, 1)),
        List.of(new DataFile("p/b", 1, 1)))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keeps every row");
  }

  @Test
  void codecRoundTripsAndRefusesNewerVersions() {
    CompactionCodec codec = new CompactionCodec();
    CompactionManifest m = CompactionManifest.of(7, NOW, A, 3, List.of("event_date=2026-11-25"),
        List.of(new DataFile("event_date=2026-11-25/a", 2, 10), new DataFile("event_date=2026-11-25/b", 1, 10)),
        List.of(new DataFile("event_date=2026-11-25/c", 3, 15)));
    String json = new String(codec.encode(m), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(json).contains("\"kind\" : \"compaction\"", "\"sequence\" : 7", "\"replaced\"", "\"afterBatchId\" : 3");
    assertThat(codec.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "x")).isEqualTo(m);
    assertThatThrownBy(() -> codec.decode(json.replace("\"formatVersion\" : 1", "\"formatVersion\" : 9")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8), "x")).hasMessageContaining("upgrade the archiver");
    assertThatThrownBy(() -> codec.decode(json.replace("\"compaction\"", "\"merge\"")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8), "x")).hasMessageContaining("kind is 'merge'");
    assertThat(CommitManifest.fileName(7)).isEqualTo(CompactionManifest.fileName(7));
  }
}
