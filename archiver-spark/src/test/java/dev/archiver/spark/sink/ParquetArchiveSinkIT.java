package dev.archiver.spark.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.backpressure.FixedPolicy;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.OffsetRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.testing.SparkIT;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink on a batch built in memory (no broker): late rows counted per partition, files rolled by size, fan-out
 * bounded per partition. The rows go through the same parser, routed format and commit protocol as a streamed batch.
 */
class ParquetArchiveSinkIT extends SparkIT {
  private static final StructType KAFKA = new StructType().add("key", DataTypes.BinaryType)
      .add("value", DataTypes.BinaryType).add("topic", DataTypes.StringType).add("partition", DataTypes.IntegerType)
      .add("offset", DataTypes.LongType).add("timestamp", DataTypes.TimestampType)
      .add("timestampType", DataTypes.IntegerType);
  private static final Instant BATCH_TIME = Instant.parse("2026-11-25T12:00:00Z");
  private static final long NO_TARGET = Long.MAX_VALUE;
  private final RecordParser parser = RecordParser.of(new ArchiverConfig.Schema("id STRING, ts TIMESTAMP, msg STRING",
      Optional.of("ts"), List.of("id", "ts"), Optional.empty()));

  @TempDir
  java.nio.file.Path dir;

  @BeforeEach
  void asTheJobRuns() {
    spark().conf().set("spark.sql.session.timeZone", "UTC");
    spark().conf().set("spark.sql.sources.commitProtocolClass", DirectWriteCommitProtocol.class.getName());
    spark().conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    spark().conf().set("spark.sql.maxConcurrentOutputFileWriters", "16");
    spark().conf().set("spark.sql.optimizer.plannedWrite.enabled", "false");
    spark().conf().set("spark.sql.adaptive.enabled", "false");
  }

  @Test
  void lateRowsAreCountedPerPartitionFromTheBatchTimeTheSameOnAReplay() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      values.add(event("on-time-" + i, "2026-11-25T11:00:00Z", "m"));
    }
    for (int i = 0; i < 3; i++) {
      values.add(event("old-" + i, "2026-11-20T08:00:00Z", "m"));
    }
    values.add(event("late-a", "2026-11-23T06:00:00Z", "m"));
    values.add(event("late-b", "2026-11-23T11:59:59Z", "m"));
    values.add(event("same-day-not-late", "2026-11-23T12:00:00Z", "m"));
    values.add("{\"id\":\"broken\",\"ts\":\"2026-11-01T00:00:00Z\""); // quarantined: never late, never archived
    values.add(event("no-id-so-quarantined", "2026-11-19T00:00:00Z", "m").replace("\"id\"", "\"other\""));

    ParquetArchiveSink sink = sink(output(NO_TARGET, Optional.empty(), Optional.of(Duration.ofDays(2))));
    WrittenBatch first = sink.write(context(0), kafka(values, 4));
    assertThat(first.numArchived()).isEqualTo(11);
    assertThat(first.latePartitions()).as("older than 2026-11-23T12:00Z, the batch time minus 2d, by partition")
        .containsExactlyInAnyOrderEntriesOf(Map.of("event_date=2026-11-20", 3L, "event_date=2026-11-23", 2L));
    assertThat(first.lateBefore()).contains(Instant.parse("2026-11-23T12:00:00Z"));

    WrittenBatch replay = sink.write(context(0), kafka(values, 3));
    assertThat(replay.latePartitions()).as("a replay (new files, other splits) counts the same")
        .isEqualTo(first.latePartitions());

    WrittenBatch retried = sink.write(context(0), failingFirstAttempt(kafka(values, 1), values.size() - 2));
    assertThat(retried.latePartitions()).as("a task attempt that failed after counting its late rows adds nothing:"
        + " only the attempt that commits reports them").isEqualTo(first.latePartitions());
    assertThat(retried.numArchived()).isEqualTo(11);

    WrittenBatch noHorizon = sink(output(NO_TARGET, Optional.empty(), Optional.empty())).write(context(0),
        kafka(values, 4));
    assertThat(noHorizon.latePartitions()).as("unset: nothing is late").isEmpty();
  }

  @Test
  void archiveFilesRollAtTheTargetSizeAndEveryRolledFileIsListed() {
    List<String> values = randomEvents(20_000, "2026-11-25T11:00:00Z");
    long target = 256L << 10;
    WrittenBatch rolled = sink(output(target, Optional.empty(), Optional.empty())).write(context(0),
        kafka(values, 1));
    List<DataFile> files = rolled.files();
    assertThat(files.size()).as("one task, one partition, rolled by size: %s", files).isGreaterThan(2);
    assertThat(files.stream().mapToLong(DataFile::rows).sum()).isEqualTo(20_000);
    assertThat(files).allSatisfy(f -> assertThat(f.bytes()).as(f.path()).isLessThan(target + target / 4));
    assertThat(files.stream().filter(f -> f.path().contains("-r00")).count()).as("rolled names")
        .isEqualTo(files.size() - 1);
    long whole = files.stream().mapToLong(DataFile::bytes).sum();
    List<DataFile> full = files.stream().sorted(java.util.Comparator.comparing(DataFile::bytes)).skip(1).toList();
    assertThat(full).as("all but the last reach most of the target").allSatisfy(f ->
        assertThat(f.bytes()).as(f.path()).isGreaterThan(target / 2));

    WrittenBatch unrolled = sink(output(NO_TARGET, Optional.empty(), Optional.empty())).write(context(1),
        kafka(values, 1));
    assertThat(unrolled.files()).as("without a target, %s bytes in one file", whole).hasSize(1);
  }

  @Test
  void maxFilesPerPartitionBoundsHowManyTasksWriteEachPartition() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      values.add(event("e" + i, i % 2 == 0 ? "2026-11-24T10:00:00Z" : "2026-11-25T10:00:00Z", "m"));
    }
    WrittenBatch unbounded = sink(output(NO_TARGET, Optional.empty(), Optional.empty())).write(context(0),
        kafka(values, 4));
    assertThat(filesPerPartition(unbounded)).as("each of 4 tasks writes both dates")
        .containsEntry("event_date=2026-11-24", 4L).containsEntry("event_date=2026-11-25", 4L);

    WrittenBatch one = sink(output(NO_TARGET, Optional.of(1), Optional.empty())).write(context(1), kafka(values, 4));
    assertThat(filesPerPartition(one)).containsEntry("event_date=2026-11-24", 1L)
        .containsEntry("event_date=2026-11-25", 1L);
    assertThat(one.numArchived()).isEqualTo(400);

    WrittenBatch two = sink(output(NO_TARGET, Optional.of(2), Optional.empty())).write(context(2), kafka(values, 4));
    assertThat(filesPerPartition(two).values()).allSatisfy(n -> assertThat(n).isBetween(1L, 2L));
    assertThat(two.files().stream().mapToLong(DataFile::rows).sum()).isEqualTo(400);
  }

  private static Map<String, Long> filesPerPartition(WrittenBatch batch) {
    return batch.files().stream().collect(Collectors.groupingBy(
        f -> f.path().substring(0, f.path().lastIndexOf('/')), Collectors.counting()));
  }

  private ArchiverConfig.Output output(long target, Optional<Integer> maxFiles, Optional<Duration> lateAfter) {
    String root = dir.resolve("archive").toUri().toString();
    return new ArchiverConfig.Output(root, root + "/_archiver/checkpoint", root + "/_quarantine", false, "snappy",
        1_000_000, 0, Duration.ofSeconds(1), Duration.ofSeconds(30), target, maxFiles, lateAfter);
  }

  private ParquetArchiveSink sink(ArchiverConfig.Output output) {
    return new ParquetArchiveSink(output, parser, spark().sessionState().newHadoopConf());
  }

  private static BatchContext context(long batchId) {
    return new BatchContext(batchId, "q", List.of(new OffsetRange("t", 0, 0, 1)), new FixedPolicy(10).initial(),
        List.of(), List.of(), BATCH_TIME);
  }

  private Dataset<Row> kafka(List<String> values, int splits) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      rows.add(RowFactory.create(null, values.get(i).getBytes(StandardCharsets.UTF_8), "t", 0, (long) i,
          Timestamp.from(BATCH_TIME), 0));
    }
    return spark().createDataFrame(rows, KAFKA).repartition(splits);
  }

  /** The rows, through a map whose first attempt of each task fails after {@code after} rows (they were written). */
  private static Dataset<Row> failingFirstAttempt(Dataset<Row> kafka, int after) {
    return kafka.map(new FailFirstAttempt(after), Encoders.row(KAFKA));
  }

  /** Fails a task's first attempt after some rows; per task instance, as Spark deserializes one per task. */
  private static final class FailFirstAttempt implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final int after;
    private int seen;

    FailFirstAttempt(int after) {
      this.after = after;
    }

    @Override
    public Row call(Row row) {
      if (TaskContext.get().attemptNumber() == 0 && ++seen > after) {
        throw new IllegalStateException("injected: the first attempt of this task fails after " + after + " rows");
      }
      return row;
    }
  }

  private static String event(String id, String ts, String msg) {
    return "{\"id\":\"" + id + "\",\"ts\":\"" + ts + "\",\"msg\":\"" + msg + "\"}";
  }

  /** Events whose messages do not compress away, so sizes are those of real logs. */
  private static List<String> randomEvents(int n, String ts) {
    Random random = new Random(42);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder msg = new StringBuilder();
      for (int j = 0; j < 40; j++) {
        msg.append((char) ('a' + random.nextInt(26)));
      }
      values.add(event("e" + i, ts, msg.toString()));
    }
    return values;
  }
}
