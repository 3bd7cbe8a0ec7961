package dev.archiver.spark.commit;

import dev.archiver.spark.testing.CapturedCli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.testing.Manifests;
import dev.archiver.vacuum.ArchiveStorage;
import dev.archiver.vacuum.QuarantineClaims;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vacuum on the local file system through Hadoop, on archives laid out by hand: what it must never delete however the
 * roots are spelled or shared. (On S3 through S3A: {@code S3ArchiveIT}, which has a server running.)
 */
class VacuumIT {
  private static final String FILE = "event_date=2026-11-25/part-00000000000000000000-00000.c000.snappy.parquet";
  private static final String QUARANTINED = "part-00000000000000000000-00000-event_date=2026-11-25.c000.snappy.parquet";
  private static final String ORPHAN = "event_date=2026-11-25/part-00000000000000000001-00003.c000.snappy.parquet";

  @TempDir
  Path dir;
  private final CapturedCli cli = new CapturedCli();

  @Test
  void aSymbolicLinkOrATrailingSlashDoesNotTurnCommittedFilesIntoOrphans() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    // The job wrote through the link: its manifest names the link.
    commit(link, link.resolve("_quarantine"), 0, List.of(FILE), List.of(QUARANTINED));
    Path committed = write(real.resolve(FILE));
    Path quarantined = write(real.resolve("_quarantine").resolve(QUARANTINED));
    Path orphan = write(real.resolve(ORPHAN));
    age(real);

    assertThat(vacuum("--output", real + "/")).as(err()).isZero();
    assertThat(orphan).doesNotExist();
    assertThat(committed).exists();
    assertThat(quarantined).exists();

    Path another = write(real.resolve(ORPHAN.replace("00003", "00004")));
    age(real);
    assertThat(vacuum("--output", "file://" + link)).as(err()).isZero();
    assertThat(another).doesNotExist();
    assertThat(committed).exists();
    assertThat(quarantined).exists();
  }

  @Test
  void refusesRootsWhereTheNewestManifestsFilesAreNot() throws Exception {
    Path archive = Files.createDirectories(dir.resolve("archive"));
    commit(dir.resolve("moved-away"), dir.resolve("moved-away/_quarantine"), 0, List.of(FILE), List.of());
    // The manifests were copied next to data that is not theirs (a restore into the wrong place, say).
    Files.move(dir.resolve("moved-away/_archiver"), archive.resolve("_archiver"));
    Path unrelated = write(archive.resolve("event_date=2026-11-25/part-unrelated.parquet"));
    age(archive);

    assertThat(vacuum("--output", archive.toString())).isEqualTo(2);
    assertThat(err()).contains("none of the 1 file(s) batch 0's manifest lists").contains("Nothing was deleted");
    assertThat(unrelated).exists();
  }

  @Test
  void neverDeletesAnotherJobsCommittedFilesInASharedQuarantineRoot() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("quarantine"));
    Path a = dir.resolve("archive-a");
    Path b = dir.resolve("archive-b");
    ArchiveStorage storage = new HadoopArchiveStorage(new Configuration());
    QuarantineClaims.claim(storage, shared.toString(), a.toString());
    QuarantineClaims.claim(storage, shared.toString(), b.toString());
    commit(a, shared, 0, List.of(FILE), List.of("part-a.parquet"));
    commit(b, shared, 0, List.of(FILE), List.of("part-b.parquet"));
    Path ofA = write(shared.resolve("part-a.parquet"));
    Path ofB = write(shared.resolve("part-b.parquet"));
    Path orphan = write(shared.resolve("part-failed-attempt.parquet"));
    write(a.resolve(FILE));
    age(dir);

    assertThat(vacuum("--output", a.toString(), "--quarantine", shared.toString())).as(err()).isZero();
    assertThat(orphan).doesNotExist();
    assertThat(ofA).exists();
    assertThat(ofB).as("committed by the other job").exists();
    assertThat(shared.resolve("_archiver/claims")).isNotEmptyDirectory();
  }

  /** Through the CLI on real files: a compaction's files stay; the files it replaced go once it is old enough. */
  @Test
  void keepsACompactionsNewFilesAndDeletesTheReplacedOnesOnlyAfterTheGracePeriod() throws Exception {
    Path archive = Files.createDirectories(dir.resolve("archive"));
    String second = FILE.replace("-00000.", "-00001.");
    String compacted = "event_date=2026-11-25/part-compacted-w-00000.c000.snappy.parquet";
    commit(archive, archive.resolve("_quarantine"), 0, List.of(FILE, second), List.of());
    List.of(FILE, second, compacted).forEach(f -> {
      try {
        write(archive.resolve(f));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    age(archive);
    ArchiveStorage storage = new HadoopArchiveStorage(new Configuration());
    String root = storage.qualify(archive.toString());
    HadoopCompactionLog compactions = new HadoopCompactionLog(archive.toString(), new Configuration());
    // Manifests.listing gives each file 1 row and 100 bytes
    compactions.commit(dev.archiver.compaction.CompactionManifest.of(0, Instant.now().minus(Duration.ofHours(2)),
        root, 0, List.of("event_date=2026-11-25"), List.of(new dev.archiver.commit.DataFile(FILE, 1, 100),
            new dev.archiver.commit.DataFile(second, 1, 100)),
        List.of(new dev.archiver.commit.DataFile(compacted, 2, 3))));

    assertThat(vacuum("--output", archive.toString())).as(err()).isZero();
    assertThat(archive.resolve(FILE)).as("the compaction is 2 hours old: a reader may still read it").exists();
    assertThat(archive.resolve(second)).exists();
    assertThat(archive.resolve(compacted)).exists();

    // Two days later: the same compaction, committed two days ago (vacuum reads the time from the manifest).
    Files.delete(archive.resolve("_archiver/compactions/00000000000000000000.json"));
    compactions.commit(dev.archiver.compaction.CompactionManifest.of(0, Instant.now().minus(Duration.ofDays(2)),
        root, 0, List.of("event_date=2026-11-25"), List.of(new dev.archiver.commit.DataFile(FILE, 1, 100),
            new dev.archiver.commit.DataFile(second, 1, 100)),
        List.of(new dev.archiver.commit.DataFile(compacted, 2, 3))));
    assertThat(vacuum("--output", archive.toString())).as(err()).isZero();
    assertThat(archive.resolve(FILE)).doesNotExist();
    assertThat(archive.resolve(second)).doesNotExist();
    assertThat(archive.resolve(compacted)).as("listed by the compaction").exists();
    assertThat(cli.out()).contains("2 file(s) replaced by compactions");

    assertThat(vacuum("--output", archive.toString())).as("batch 0's files are compacted away, not missing: %s",
        err()).isZero();
    assertThat(archive.resolve(compacted)).exists();
  }

  @Test
  void refusesAnOlderThanShorterThanTheJobsRetryWindow() throws Exception {
    Path archive = Files.createDirectories(dir.resolve("archive"));
    assertThat(cli.execute(new String[] {"vacuum", "--output", archive.toString(), "--older-than", "10m"}))
        .isEqualTo(2);
    assertThat(err()).contains("--older-than 10m is below this job's minimum of 1h7m14s")
        .contains("commit.retry.num-retries 5");
  }

  private int vacuum(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "vacuum";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--older-than";
    all[args.length + 2] = "24h";
    return cli.execute(all);
  }

  private String err() {
    return cli.err();
  }

  private static void commit(Path archive, Path quarantine, long batchId, List<String> files,
      List<String> quarantined) {
    Configuration conf = new Configuration();
    ArchiveStorage storage = new HadoopArchiveStorage(conf);
    new HadoopCommitLog(archive.toString(), conf).commit(Manifests.listing(batchId,
        storage.qualify(archive.toString()), storage.qualify(quarantine.toString()), files, quarantined));
  }

  private static Path write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, new byte[] {1, 2, 3});
  }

  /** Every file under the directory, 30 days old. */
  private static void age(Path root) throws IOException {
    try (var files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofDays(30))));
      }
    }
  }
}
