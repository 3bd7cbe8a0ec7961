package dev.archiver.bench;

import static org.apache.spark.sql.functions.*;

import dev.archiver.metrics.HeapSampler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The comparison jobs of the benchmark, each the way a user would write it without the archiver. All read the whole
 * topic with Spark's Kafka source as one Structured Streaming query, trigger available-now and no
 * maxOffsetsPerTrigger (so the whole backlog is one batch), into Spark's own Parquet file sink:
 * <ul>
 *   <li>{@code naive}: the value cast to a string, written as is (the users' old design);</li>
 *   <li>{@code naive-shuffle}: the same with {@code repartition(N)} before the write, as users do to get fewer files;</li>
 *   <li>{@code parse}: the value parsed with {@code from_json} against the schema, written partitioned by event
 *   date; Spark defaults, no quarantine, no manifests;</li>
 *   <li>{@code parse-foreach}, {@code parse-cached}: the same parse written from {@code foreachBatch} with
 *   DataFrameWriter, and also persisted on disk first: steps from the plain job towards the archiver's write path,
 *   to tell where the archiver's extra time goes.</li>
 * </ul>
 * Usage: {@code BenchJob MODE BOOTSTRAP TOPIC OUTPUT RESULT_JSON [SCHEMA_DDL] [REPARTITION]}. Writes one JSON object
 * to RESULT_JSON: records written, processing seconds (query start to end, Spark session start excluded, as for
 * the archiver), heap peaks over the run, and for the naive jobs the value bytes (the benchmark's MB).
 */
public final class BenchJob {
  private BenchJob() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: BenchJob MODE BOOTSTRAP TOPIC OUTPUT RESULT_JSON [DDL] [N]");
      System.exit(2);
    }
    String mode = args[0];
    String output = args[3];
    // 50 ms: fine enough to catch the peak of a batch; the archiver samples every 100 ms.
    HeapSampler heap = new HeapSampler(Duration.ofMillis(50));
    SparkSession spark = SparkSession.builder().master("local[*]").appName("bench-" + mode).getOrCreate();
    heap.takePeak(); // the session's start-up is not part of the run, as for the archiver

    long started = System.nanoTime();
    DataStreamReader reader = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", args[1])
        .option("subscribe", args[2])
        .option("startingOffsets", "earliest");
    // -Dbench.kafka.<prop>=v sets a Kafka consumer property, as the archiver's --set source.kafka.<prop>=v does,
    // so a tuning can be tried on both sides (Spark settings need nothing: Spark reads -Dspark.* itself).
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.kafka."))
        .forEach(k -> reader.option(k.substring("bench.".length()), System.getProperty(k)));
    Dataset<Row> kafka = reader.load();
    Dataset<Row> values = kafka.select(col("value").cast("string").as("value"));
    Dataset<Row> events = mode.startsWith("parse")
        ? kafka.select(from_json(col("value").cast("string"), StructType.fromDDL(args[5])).as("e")).select("e.*")
            .withColumn("event_date", to_date(col("event_time")))
        : null;
    DataStreamWriter<Row> writer = switch (mode) {
      case "naive" -> values.writeStream().format("parquet");
      case "naive-shuffle" -> values.repartition(Integer.parseInt(args[6])).writeStream().format("parquet");
      case "parse" -> events.writeStream().format("parquet").partitionBy("event_date");
      // Ablations towards the archiver's write path (bench/README.md, "Profiling"): each batch written by
      // DataFrameWriter from foreachBatch, then also persisted on local disk first, as the archiver does.
      case "parse-foreach", "parse-cached" -> events.writeStream().foreachBatch(
          (VoidFunction2<Dataset<Row>, Long>) (batch, id) -> {
            Dataset<Row> b = mode.equals("parse-cached") ? batch.persist(StorageLevel.DISK_ONLY()) : batch;
            b.write().mode(SaveMode.Append).partitionBy("event_date").parquet(output);
            b.unpersist(false);
          });
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    };
    writer.option("path", output)
        .option("checkpointLocation", output + "/_checkpoint")
        .trigger(Trigger.AvailableNow())
        .start()
        .awaitTermination();
    double seconds = (System.nanoTime() - started) / 1e9;
    HeapSampler.Peak peak = heap.takePeak();
    heap.close();

    // Not timed: what was written, read back (footers and one column).
    Dataset<Row> written = spark.read().parquet(output);
    long records = written.count();
    long valueBytes = mode.startsWith("naive")
        ? written.agg(sum(octet_length(col("value")))).first().getLong(0) : -1;
    String json = String.format(Locale.ROOT, "{\"mode\":\"%s\",\"records\":%d,\"seconds\":%.3f,\"valueBytes\":%d,"
            + "\"heapUsedPeakBytes\":%d,\"heapLivePeakBytes\":%d,\"heapMaxBytes\":%d}%n", mode, records, seconds,
        valueBytes, peak.usedBytes(), peak.liveBytes(), peak.maxBytes());
    Files.writeString(Path.of(args[4]), json, StandardCharsets.UTF_8);
    System.err.print("bench: " + json);
    spark.stop();
  }
}
