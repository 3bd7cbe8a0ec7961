package dev.archiver.vacuum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.InvalidInputException;
import dev.archiver.RetriableException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigLoader;
import dev.archiver.testing.InMemoryCommitLog;
import dev.archiver.testing.InMemoryStorage;
import dev.archiver.testing.Manifests;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VacuumTest {
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private static final Duration OLD = Duration.ofDays(30);
  private static final String A = "file:/archive";
  private static final String Q = "file:/archive/_quarantine";
  private static final String CKPT = "file:/archive/_archiver/checkpoint";
  private final InMemoryStorage storage = new InMemoryStorage();
  private final Map<String, CommitLog> logs = new HashMap<>();
  private final InMemoryCommitLog log = new InMemoryCommitLog();

  VacuumTest() {
    logs.put(A, log);
  }

  private void file(String uri, Duration age) {
    storage.file(uri, 100, NOW.minus(age));
  }

  private Vacuum.Result vacuum(String archive, String quarantine, boolean dryRun) {
    return new Vacuum(storage, root -> {
      CommitLog found = logs.get(root);
      if (found == null) {
        throw new RetriableException("no such archive " + root, null);
      }
      return found;
    }).run(new Vacuum.Request(archive, quarantine, CKPT, Duration.ofHours(24), NOW, dryRun));
  }

  private static List<String> uris(Vacuum.Result result) {
    return result.orphans().stream().map(ArchiveStorage.StoredFile::uri).toList();
  }

  @Test
  void deletesOldUnlistedFilesOnlyAndNeverAListedOne() {
    log.commit(Manifests.manifest(3, "q", 0, 10, 1));
    file(A + "/event_date=2026-11-25/part-00000000000000000003-00000.c000.snappy.parquet", OLD);
    file(Q + "/part-00000000000000000003-00000-c000.snappy.parquet", OLD);
    file(A + "/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet", Duration.ofDays(2));
    file(A + "/event_date=2026-11-25/part-00000000000000000010-00000.c000.snappy.parquet", Duration.ofMinutes(5));
    file(A + "/_archiver/manifests/00000000000000000003.json", OLD);
    file(CKPT + "/offsets/3", OLD);

    Vacuum.Result dry = vacuum(A, Q, true);
    assertThat(uris(dry)).containsExactly(
        A + "/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet");
    assertThat(dry.keptYoung()).as("a batch being written now is left alone").isEqualTo(1);
    assertThat(storage.deleted).as("dry run").isEmpty();

    QuarantineClaims.claim(storage, Q, A);
    Vacuum.Result result = vacuum(A, Q, false);
    assertThat(storage.deleted).containsExactly(
        A + "/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet");
    assertThat(result.notes()).as("its own quarantine root, claimed, is no other's").isEmpty();
  }

  @Test
  void keepsACompactionsFilesAndDeletesTheFilesItReplacedOnlyAfterTheGracePeriod() {
    dev.archiver.testing.InMemoryCompactionLog compactions = new dev.archiver.testing.InMemoryCompactionLog();
    String a0 = "event_date=2026-11-20/part-0.parquet";
    String a1 = "event_date=2026-11-20/part-1.parquet";
    String fresh = "event_date=2026-11-21/part-2.parquet";
    String c0 = "event_date=2026-11-20/part-compacted-w-00000.c000.snappy.parquet";
    log.commit(Manifests.listing(0, A, Q, List.of(a0, fresh), List.of()));
    log.commit(Manifests.listing(1, A, Q, List.of(a1), List.of()));
    List.of(a0, a1, fresh, c0).forEach(f -> file(A + "/" + f, OLD));
    // an orphan of a compaction that crashed before its manifest, old enough: deleted like any orphan
    file(A + "/event_date=2026-11-20/part-compacted-crashed-00000.c000.snappy.parquet", OLD);
    compactions.commit(dev.archiver.compaction.CompactionManifest.of(0, NOW.minus(Duration.ofHours(1)), A, 1,
        List.of("event_date=2026-11-20"), List.of(new dev.archiver.commit.DataFile(a0, 1, 100),
            new dev.archiver.commit.DataFile(a1, 1, 100)), List.of(new dev.archiver.commit.DataFile(c0, 2, 150))));
    java.util.function.BiFunction<Instant, Boolean, Vacuum.Result> run = (now, dry) -> new Vacuum(storage,
        logs::get, root -> compactions).run(new Vacuum.Request(A, Q, CKPT, Duration.ofHours(24), now, dry));

    assertThat(uris(run.apply(NOW, false))).as("the compaction is an hour old: its inputs may still be read")
        .containsExactly(A + "/event_date=2026-11-20/part-compacted-crashed-00000.c000.snappy.parquet");

    Vacuum.Result later = run.apply(NOW.plus(Duration.ofDays(1)), false);
    assertThat(uris(later)).containsExactlyInAnyOrder(A + "/" + a0, A + "/" + a1);
    assertThat(later.notes()).anyMatch(n -> n.startsWith("2 file(s) replaced by compactions"));
    assertThat(storage.files).containsKeys(A + "/" + c0, A + "/" + fresh);

    assertThat(uris(run.apply(NOW.plus(Duration.ofDays(2)), false)))
        .as("batch 1's files are all compacted away and gone: not a sign of the wrong root").isEmpty();
  }

  /** The same place under another name must not turn committed files into orphans. */
  @Test
  void comparesCanonicalLocationsNotSpellings() {
    String s3a = "s3a://lake/archive";
    logs.put("s3://lake/archive/", log);
    log.commit(Manifests.listing(0, s3a, s3a + "/_quarantine", List.of("event_date=2026-11-25/part-0.parquet"),
        List.of("part-0-q.parquet")));
    file("s3://lake/archive/event_date=2026-11-25/part-0.parquet", OLD);
    file("s3://lake/archive/_quarantine/part-0-q.parquet", OLD);
    file("s3://lake/archive/event_date=2026-11-25/part-orphan.parquet", OLD);

    Vacuum.Result result = vacuum("s3://lake/archive/", "s3://lake/archive/_quarantine/", false);
    assertThat(uris(result)).containsExactly("s3://lake/archive/event_date=2026-11-25/part-orphan.parquet");
    assertThat(result.committedFiles()).isEqualTo(2);
  }

  @Test
  void resolvesSymbolicLinksOfTheRoots() {
    storage.link("file:/mnt/archive-link", A);
    logs.put("file:/mnt/archive-link", log);
    log.commit(Manifests.listing(0, "file:/mnt/archive-link", "file:/mnt/archive-link/_quarantine",
        List.of("event_date=2026-11-25/part-0.parquet"), List.of()));
    file(A + "/event_date=2026-11-25/part-0.parquet", OLD);
    file(A + "/event_date=2026-11-25/part-orphan.parquet", OLD);
    logs.put(A, log);

    assertThat(uris(vacuum(A, Q, false))).containsExactly(A + "/event_date=2026-11-25/part-orphan.parquet");
  }

  @Test
  void refusesWhenTheListingHoldsNoneOfTheNewestManifestsFiles() {
    log.commit(Manifests.listing(0, "file:/elsewhere", "file:/elsewhere/_quarantine",
        List.of("event_date=2026-11-25/part-0.parquet"), List.of()));
    log.commit(Manifests.listing(1, "file:/elsewhere", "file:/elsewhere/_quarantine", List.of(), List.of()));
    file(A + "/event_date=2026-11-25/part-0.parquet", OLD);

    assertThatThrownBy(() -> vacuum(A, Q, false)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("none of the 1 file(s) batch 0's manifest lists").hasMessageContaining("Nothing was deleted");
    assertThat(storage.deleted).isEmpty();
  }

  @Test
  void refusesToDeleteUnderARootWithoutManifests() {
    file(A + "/event_date=2026-11-25/part-0.parquet", OLD);
    assertThatThrownBy(() -> vacuum(A, Q, false)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no committed manifest under file:/archive/_archiver/manifests");
    assertThat(storage.deleted).isEmpty();
  }

  @Test
  void neverTouchesCheckpointsOrAnotherArchiveBelowTheRoot() {
    log.commit(Manifests.listing(0, A, Q, List.of("event_date=2026-11-25/part-0.parquet"), List.of()));
    file(A + "/event_date=2026-11-25/part-0.parquet", OLD);
    // A checkpoint put beside the data by an older version: Spark's metadata file and offsets.
    file(A + "/checkpoint/metadata", OLD);
    file(A + "/checkpoint/offsets/0", OLD);
    file(A + "/checkpoint/commits/0", OLD);
    file(A + "/checkpoint/sources/0/0", OLD);
    // Another job's archive inside this one.
    file(A + "/team-b/_archiver/manifests/00000000000000000000.json", OLD);
    file(A + "/team-b/event_date=2026-11-25/part-0.parquet", OLD);
    file(A + "/event_date=2026-11-25/part-orphan.parquet", OLD);

    Vacuum.Result result = vacuum(A, Q, false);
    assertThat(uris(result)).containsExactly(A + "/event_date=2026-11-25/part-orphan.parquet");
    assertThat(result.notes()).anyMatch(n -> n.contains("/checkpoint")).anyMatch(n -> n.contains("/team-b"));

    // The configured checkpoint, wherever it is, is never listed either.
    file("file:/ckpt/offsets/0", OLD);
    assertThat(new Vacuum(storage, logs::get).run(new Vacuum.Request(A, "file:/ckpt/q", "file:/ckpt", OLD, NOW,
        false)).orphans()).isEmpty();
    assertThat(storage.files).containsKey("file:/ckpt/offsets/0");
  }

  @Test
  void keepsWhatEveryJobSharingTheQuarantineRootCommitted() {
    String shared = "s3a://lake/quarantine";
    String b = "s3a://lake/archive-b";
    InMemoryCommitLog logB = new InMemoryCommitLog();
    logs.put(b, logB);
    QuarantineClaims.claim(storage, shared, A);
    QuarantineClaims.claim(storage, shared, b);
    log.commit(Manifests.listing(0, A, shared, List.of("event_date=2026-11-25/part-a.parquet"),
        List.of("part-a-q.parquet")));
    logB.commit(Manifests.listing(0, b, shared, List.of(), List.of("part-b-q.parquet")));
    file(A + "/event_date=2026-11-25/part-a.parquet", OLD);
    file(shared + "/part-a-q.parquet", OLD);
    file(shared + "/part-b-q.parquet", OLD);
    file(shared + "/part-orphan.parquet", OLD);

    assertThat(uris(vacuum(A, shared, false))).containsExactly(shared + "/part-orphan.parquet");
    assertThat(storage.files).containsKey(shared + "/part-b-q.parquet");

    // A sharer whose manifests cannot be read: its files cannot be told apart, so the root is left alone.
    QuarantineClaims.claim(storage, shared, "s3a://lake/archive-c");
    file(shared + "/part-orphan-2.parquet", OLD);
    Vacuum.Result result = vacuum(A, shared, false);
    assertThat(result.orphans()).isEmpty();
    assertThat(result.notes()).singleElement().asString().contains("archive-c shares it");
  }

  /** A replay, or a manifest published after the listing, must win over the listing. */
  @Test
  void looksAgainAtEachFileJustBeforeDeletingIt() {
    log.commit(Manifests.listing(0, A, Q, List.of("event_date=2026-11-25/part-0.parquet"), List.of()));
    file(A + "/event_date=2026-11-25/part-0.parquet", OLD);
    String rewritten = A + "/event_date=2026-11-25/part-1.parquet";
    String committedLate = A + "/event_date=2026-11-25/part-2.parquet";
    String orphan = A + "/event_date=2026-11-25/part-3.parquet";
    file(rewritten, OLD);
    file(committedLate, OLD);
    file(orphan, OLD);
    // Between the listing and the deletes: one file is rewritten by a replay, another committed by a new manifest.
    storage.beforeFirstStat = () -> {
      file(rewritten, Duration.ZERO);
      log.commit(Manifests.listing(1, A, Q, List.of("event_date=2026-11-25/part-2.parquet"), List.of()));
    };

    Vacuum.Result result = vacuum(A, Q, false);
    assertThat(storage.deleted).containsExactly(orphan);
    assertThat(result.changedSinceListing()).isEqualTo(2);
  }

  /** Files named part-<batch>-: each decided by its batch's manifest; only those manifests are read. */
  @Test
  void decidesFilesByTheirBatchReadingOnlyTheManifestsOfBatchesFound() {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    InMemoryCommitLog inner = new InMemoryCommitLog();
    CommitLog counting = new CommitLog() {
      @Override
      public List<Long> batchIds() {
        return inner.batchIds();
      }

      @Override
      public Optional<Long> latestBatchId() {
        return inner.latestBatchId();
      }

      @Override
      public Optional<CommitManifest> read(long batchId) {
        reads.incrementAndGet();
        return inner.read(batchId);
      }

      @Override
      public void commit(CommitManifest manifest) {
        inner.commit(manifest);
      }

      @Override
      public List<CommitManifest> all() {
        throw new AssertionError("vacuum read the whole log");
      }
    };
    logs.put(A, counting);
    for (long b = 0; b < 200; b++) {
      inner.commit(Manifests.listing(b, A, Q, List.of(name(b, "a")), List.of(name(b, "q"))));
    }
    file(A + "/" + name(198, "a"), OLD); // committed
    file(Q + "/" + name(198, "q"), OLD); // committed, in the quarantine root
    file(A + "/" + name(199, "a"), OLD); // committed, the newest batch
    file(A + "/" + name(199, "b"), OLD); // a failed attempt of a committed batch
    file(A + "/" + "event_date=2026-11-25/." + name(199, "b").substring(15) + ".crc", OLD); // its checksum
    file(A + "/" + name(200, "a"), Duration.ZERO); // the open batch, being written
    file(A + "/" + name(201, "a"), OLD); // an old attempt no manifest lists

    Vacuum.Result result = vacuum(A, Q, true);
    assertThat(uris(result)).containsExactlyInAnyOrder(A + "/" + name(199, "b"), A + "/" + name(201, "a"),
        A + "/event_date=2026-11-25/." + name(199, "b").substring(15) + ".crc");
    assertThat(result.keptYoung()).isEqualTo(1);
    assertThat(result.committedFiles()).isEqualTo(3);
    assertThat(reads.get()).as("manifests of batches 198..201 and the newest, not 200").isLessThanOrEqualTo(8);
  }

  private static String name(long batch, String attempt) {
    return String.format("event_date=2026-11-25/part-%020d-00000-%s-0.c000.snappy.parquet", batch, attempt);
  }

  @Test
  void theShortestOlderThanCoversTheJobsRetryWindow() {
    ArchiverConfig.Output defaults = ConfigLoader.fromMap(Map.of("source.topic", "t", "schema.ddl", "id STRING",
        "output.path", "/a")).output();
    // Batch retries wait 2+4+8+16+32 s, each of the 1 + 5 query starts; restarts wait as much again; one hour margin.
    assertThat(Vacuum.minimumOlderThan(defaults)).isEqualTo(Duration.ofSeconds(62 * 6 + 62 + 3600));
    ArchiverConfig.Output patient = ConfigLoader.fromMap(Map.of("source.topic", "t", "schema.ddl", "id STRING",
        "output.path", "/a", "commit.retry.num-retries", "10", "commit.retry.initial-wait", "1m")).output();
    assertThat(Vacuum.minimumOlderThan(patient)).isGreaterThan(Duration.ofHours(17));
  }
}
