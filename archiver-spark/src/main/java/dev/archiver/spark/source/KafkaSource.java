package dev.archiver.spark.source;

import dev.archiver.backpressure.IntakeDecision;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;

/** The Kafka stream a job reads: Spark's own Kafka source, its intake bounded by the back-pressure decision. */
public final class KafkaSource {
  /** Records per consumer poll unless source.kafka.max.poll.records says otherwise; measured in bench/RESULTS.md. */
  static final String MAX_POLL_RECORDS = "50000";
  static final String ISOLATION_LEVEL = "read_committed";
  /** Consumer properties Spark's Kafka source manages itself; setting them would be ignored or fail late. */
  private static final Map<String, String> MANAGED = Map.of(
      "auto.offset.reset", "use source.starting-offsets",
      "enable.auto.commit", "Spark tracks offsets in its checkpoint",
      "key.deserializer", "records are read as bytes",
      "value.deserializer", "records are read as bytes",
      "bootstrap.servers", "use source.bootstrap-servers",
      "interceptor.classes", "not supported by Spark's Kafka source");

  private KafkaSource() {
  }

  public static List<ConfigError> validate(ArchiverConfig.Source source) {
    List<ConfigError> errors = new ArrayList<>();
    source.kafkaOptions().keySet().stream().filter(MANAGED::containsKey).forEach(k -> errors.add(
        new ConfigError("source.kafka." + k, "cannot be set: " + MANAGED.get(k))));
    return errors;
  }

  public static Dataset<Row> read(SparkSession spark, ArchiverConfig config, IntakeDecision intake) {
    ArchiverConfig.Source source = config.source();
    DataStreamReader reader = spark.readStream().format(AdmissionControlledKafka.class.getName())
        .option("kafka.bootstrap.servers", source.bootstrapServers())
        .option("startingOffsets", source.startingOffsets())
        .option("failOnDataLoss", Boolean.toString(source.failOnDataLoss()))
        // Spark reads this once per query: the first batch's limit. AdmissionControlledKafka applies later ones.
        .option("maxOffsetsPerTrigger", Long.toString(intake.maxRecordsPerBatch()));
    if (!config.trigger().availableNow()) {
      config.backpressure().minRecordsPerTrigger().ifPresent(min -> reader.option("minOffsetsPerTrigger", min)
          .option("maxTriggerDelay", config.backpressure().maxTriggerDelay().toMillis() + "ms"));
    }
    source.topic().ifPresent(t -> reader.option("subscribe", t));
    source.topicPattern().ifPresent(p -> reader.option("subscribePattern", p));
    // Ride out a broker restart: Spark's defaults give up on offset fetches after about 3 seconds.
    reader.option("fetchOffset.numRetries", "30").option("fetchOffset.retryIntervalMs", "2000");
    // Spark's Kafka reader asks the broker for the partition's offset range after every poll: 500 records a poll
    // (the consumer's default) made those round trips the reader's largest cost in bench/.
    reader.option("kafka.max.poll.records", MAX_POLL_RECORDS);
    // Records of aborted transactions are not data: archive what producers committed (the consumer's default,
    // read_uncommitted, would archive both). Offsets of aborted records and transaction markers still fall inside the
    // batches' ranges, so the manifests keep covering every offset. source.kafka.isolation.level overrides.
    reader.option("kafka.isolation.level", ISOLATION_LEVEL);
    source.kafkaOptions().forEach((k, v) -> reader.option("kafka." + k, v));
    return reader.load();
  }
}
