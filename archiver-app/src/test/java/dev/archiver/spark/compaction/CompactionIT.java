package dev.archiver.spark.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.OffsetRange;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.compaction.LiveFiles;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.commit.HadoopCompactionLog;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.PausingFileSystem;
import dev.archiver.spark.testing.SparkIT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code archiver compact} on archives of Spark-written files and batch manifests: every row and column kept, the
 * {@code (partition, offset)} set equal before and after, and a manifest reader seeing the old files or the new ones,
 * never both and never neither, when the compacting process is SIGKILLed before or after a compaction commit.
 */
class CompactionIT extends SparkIT {
  private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType)
      .add("latency_ms", DataTypes.IntegerType).add("_kafka_topic", DataTypes.StringType)
      .add("_kafka_partition", DataTypes.IntegerType).add("_kafka_offset", DataTypes.LongType)
      .add("_kafka_timestamp", DataTypes.TimestampType).add("event_date", DataTypes.StringType);
  private static final List<String> CLOSED = List.of("2026-11-20", "2026-11-21");

  @TempDir
  Path dir;
  private final Configuration conf = new Configuration();
  private final CapturedCli cli = new CapturedCli();

  /** Four batches of 5 rows each, over two closed partitions and today's; one small file per batch and date. */
  private Path archive() throws IOException {
    Path out = Files.createDirectories(dir.resolve("archive"));
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    long offset = 0;
    for (long batch = 0; batch < 4; batch++) {
      Set<String> before = new HashSet<>(files(out));
      List<Row> rows = new ArrayList<>();
      long start = offset;
      for (int i = 0; i < 5; i++, offset++) {
        String date = i < 2 ? CLOSED.get(0) : i < 4 ? CLOSED.get(1) : today;
        rows.add(RowFactory.create("e" + offset, i % 2 == 0 ? null : (int) offset, "events", (int) (offset % 2),
            offset, new Timestamp(1_700_000_000_000L + offset), date));
      }
      spark().createDataFrame(rows, SCHEMA).repartition(1).write().mode(SaveMode.Append).partitionBy("event_date")
          .parquet(out.toUri().toString());
      List<DataFile> listed = new ArrayList<>();
      for (String f : files(out)) {
        if (!before.contains(f)) {
          listed.add(new DataFile(f, footerRows(out.resolve(f)), Files.size(out.resolve(f))));
        }
      }
      new HadoopCommitLog(out.toString(), conf).commit(new CommitManifest(CommitManifest.FORMAT_VERSION, batch, "q",
          Instant.now(), out.toUri().toString().replaceAll("/$", ""), out.toUri() + "_quarantine",
          List.of(new OffsetRange("events", 0, start, offset)), 5, 5, 0, listed, List.of(), Optional.empty(),
          List.of(), Map.of("reason", "test"), List.of()));
    }
    return out;
  }

  private static List<String> files(Path out) throws IOException {
    try (Stream<Path> s = Files.walk(out)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .map(p -> out.relativize(p).toString()).sorted().toList();
    }
  }

  private long footerRows(Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(file.toUri()), conf))) {
      return r.getRecordCount();
    }
  }

  /** What a manifest reader reads now: the live files, which must all be there with their listed length. */
  private LiveFiles live(Path out) throws IOException {
    LiveFiles live = LiveFiles.of(new HadoopCommitLog(out.toString(), conf).all(),
        new HadoopCompactionLog(out.toString(), conf).all());
    for (DataFile f : live.live().values()) {
      assertThat(Files.size(out.resolve(f.path()))).as("listed file %s is there whole", f.path())
          .isEqualTo(f.bytes());
    }
    return live;
  }

  private Dataset<Row> read(Path out, LiveFiles live) {
    return spark().read().option("basePath", out.toUri().toString())
        .parquet(live.live().keySet().stream().map(p -> out.resolve(p).toUri().toString()).toArray(String[]::new))
        .select("id", "latency_ms", "_kafka_topic", "_kafka_partition", "_kafka_offset", "_kafka_timestamp",
            "event_date");
  }

  private static Set<String> partitionOffsets(Dataset<Row> rows) {
    List<Row> all = rows.select("_kafka_partition", "_kafka_offset").collectAsList();
    Set<String> out = new HashSet<>();
    all.forEach(r -> out.add(r.getInt(0) + "/" + r.getLong(1)));
    assertThat(out).as("no (partition, offset) twice").hasSize(all.size());
    return out;
  }

  @Test
  void rewritesClosedPartitionsKeepingEveryRowAndColumn() throws IOException {
    Path out = archive();
    LiveFiles before = live(out);
    Dataset<Row> rowsBefore = read(out, before).cache();
    assertThat(before.live()).hasSize(12);

    assertThat(cli.execute("compact", "--output", out.toString(), "--partition-older-than", "1d"))
        .as(cli.err()).isZero();

    assertThat(cli.out()).contains("compacted [event_date=2026-11-20]: 4 file(s) into 1, 8 rows",
        "compacted [event_date=2026-11-21]: 4 file(s) into 1, 8 rows");
    List<CompactionManifest> compactions = new HadoopCompactionLog(out.toString(), conf).all();
    assertThat(compactions).extracting(CompactionManifest::sequence).containsExactly(0L, 1L);
    LiveFiles after = live(out);
    assertThat(after.live()).as("4 files of today's open partition, and one per closed one").hasSize(6);
    assertThat(after.replaced()).hasSize(8);
    assertThat(after.replaced().keySet()).allSatisfy(f -> assertThat(out.resolve(f)).as("kept for readers").exists());
    Dataset<Row> rowsAfter = read(out, after);
    assertThat(rowsAfter.count()).isEqualTo(20).isEqualTo(rowsBefore.count());
    assertThat(partitionOffsets(rowsAfter)).isEqualTo(partitionOffsets(rowsBefore));
    assertThat(rowsAfter.except(rowsBefore).count()).as("every column the same, nulls too").isZero();
    assertThat(rowsBefore.except(rowsAfter).count()).isZero();
    assertThat(rowsAfter.schema()).isEqualTo(rowsBefore.schema());

    assertThat(cli.execute("compact", "--output", out.toString(), "--partition-older-than", "1d"))
        .as(cli.err()).isZero();
    assertThat(new HadoopCompactionLog(out.toString(), conf).sequences()).as("nothing left: idempotent").hasSize(2);

    assertThat(cli.execute("status", "--output", out.toString(), "--topic", "events", "--schema", "id STRING",
        "--no-lag")).as(cli.err()).isZero();
    assertThat(cli.out()).contains("files:               6 (", "compactions:         2 (last: compaction 1");
  }

  /**
   * A compacting process SIGKILLed at two points: before the first partition's compaction manifest (its new file
   * written and checked), and while it writes the second partition's new file (the first one committed). Each time a
   * manifest reader sees each partition either all old or all new, with the same rows; a rerun finishes the job.
   */
  @Test
  void aSigkilledCompactionLeavesOldFilesOrNewOnesNeverBothNorNeither() throws Exception {
    Path out = archive();
    Dataset<Row> rowsBefore = read(out, live(out)).cache();
    Set<String> offsetsBefore = partitionOffsets(rowsBefore);

    kill(out, PausingFileSystem.LOOKUP, "_archiver/compactions/00000000000000000000.json", "k1");
    LiveFiles afterFirst = live(out);
    assertThat(afterFirst.replaced()).as("killed before its manifest: nothing replaced").isEmpty();
    assertThat(afterFirst.live()).hasSize(12);
    assertThat(files(out)).as("its new file stays, an unlisted orphan for vacuum")
        .anyMatch(f -> f.startsWith("event_date=2026-11-20/part-compacted-"));
    assertThat(partitionOffsets(read(out, afterFirst))).isEqualTo(offsetsBefore);

    kill(out, PausingFileSystem.CREATE, "event_date=2026-11-21/part-compacted-", "k2");
    LiveFiles afterSecond = live(out);
    assertThat(new HadoopCompactionLog(out.toString(), conf).sequences()).containsExactly(0L);
    assertThat(afterSecond.live().keySet().stream().filter(f -> f.startsWith("event_date=2026-11-20/")))
        .as("committed: only the new file").singleElement().asString().contains("part-compacted-");
    assertThat(afterSecond.live().keySet().stream().filter(f -> f.startsWith("event_date=2026-11-21/")))
        .as("not committed: only the old files").hasSize(4).noneMatch(f -> f.contains("part-compacted-"));
    Dataset<Row> rowsMid = read(out, afterSecond);
    assertThat(rowsMid.count()).isEqualTo(20);
    assertThat(partitionOffsets(rowsMid)).isEqualTo(offsetsBefore);

    assertThat(cli.execute("compact", "--output", out.toString(), "--partition-older-than", "1d"))
        .as(cli.err()).isZero();
    LiveFiles done = live(out);
    assertThat(done.live()).hasSize(6);
    assertThat(partitionOffsets(read(out, done))).isEqualTo(offsetsBefore);
    assertThat(read(out, done).except(rowsBefore).count()).isZero();
  }

  private void kill(Path out, String where, String marker, String name) throws Exception {
    Path notes = dir.resolve(name + ".notes");
    Path log = dir.resolve(name + ".log");
    Process p = Drivers.cli(log, List.of("compact", "--output", out.toString(), "--partition-older-than", "1d",
        "--set", "spark.hadoop.fs.file.impl=" + PausingFileSystem.class.getName(),
        "--set", "spark.hadoop.fs.file.impl.disable.cache=true",
        "--set", "spark.hadoop." + where + "=" + marker, "--set", "spark.hadoop." + PausingFileSystem.NOTES + "=" + notes),
        Drivers.testsJar());
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!(Files.exists(notes) && Files.readString(notes).contains(marker))) {
        assertThat(p.isAlive()).as("compact paused at %s; log: %s", marker, Files.exists(log) ? Files.readString(log)
            : "").isTrue();
        assertThat(System.nanoTime()).as("compact reaches %s", marker).isLessThan(deadline);
        Thread.sleep(100);
      }
    } finally {
      p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
    }
  }
}
