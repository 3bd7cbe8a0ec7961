package dev.archiver.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigLoader;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.HostileValues;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole job fed hostile values: each is archived or quarantined with a reason, none lost, none stops it. */
@ExtendWith(LocalKafkaExtension.class)
class HostileInputIT extends SparkIT {
  private static final int MAX_MESSAGE_BYTES = 16 << 20;

  @TempDir
  Path dir;

  @Test
  void everyHostileRecordIsArchivedOrQuarantinedAndTheJobGoesOn(LocalKafka kafka) throws Exception {
    String topic = "hostile-" + UUID.randomUUID();
    Map<String, byte[]> values = HostileValues.all();
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of())) {
      admin.createTopic(topic, 2, Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES)));
    }
    produce(kafka.bootstrapServers(), topic, values.values());
    long records = values.size();

    // Unbounded, as the archiver ran before: the year-1 event is written (it stopped the job for good), and the
    // batch's event-time range spans ten thousand years.
    Path open = dir.resolve("unbounded");
    run(config(kafka, topic, open, Map.of()));
    List<CommitManifest> manifests = Archives.manifests(open);
    assertEveryRecordOnce(manifests, open, records, kafka, topic);
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum())
        .isEqualTo(HostileValues.EXPECTED.values().stream().filter(v -> v.startsWith("quarantined")).count());
    assertThat(manifests.stream().flatMap(m -> m.eventTime().stream()).map(r -> r.min()).min(Instant::compareTo))
        .contains(Instant.parse("0001-01-01T00:00:00Z"));
    assertThat(manifests.stream().flatMap(m -> m.partitions().stream())).contains("event_date=0001-01-01");

    // With bounds, the far events are quarantined with the reason and the committed range stays narrow.
    Path bounded = dir.resolve("bounded");
    run(config(kafka, topic, bounded, Map.of("schema.event-time-bounds", "3650d,1d")));
    manifests = Archives.manifests(bounded);
    assertEveryRecordOnce(manifests, bounded, records, kafka, topic);
    Dataset<Row> quarantined = Archives.read(spark(), bounded.resolve("_quarantine"),
        Archives.quarantineFiles(manifests));
    assertThat(quarantined.filter(col("error").startsWith("event time outside schema.event-time-bounds")).count())
        .as("year 1 and year 9999").isEqualTo(2);
    Instant now = Instant.now();
    assertThat(manifests).allSatisfy(m -> m.eventTime().ifPresent(r -> {
      assertThat(r.min()).isAfter(now.minus(Duration.ofDays(3651)));
      assertThat(r.max()).isBefore(now.plus(Duration.ofDays(2)));
    }));
  }

  private void assertEveryRecordOnce(List<CommitManifest> manifests, Path output, long records, LocalKafka kafka,
      String topic) {
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(kafka.bootstrapServers(), topic));
    assertThat(manifests.stream().mapToLong(CommitManifest::numRecords).sum()).isEqualTo(records);
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests))
        .select("_kafka_partition", "_kafka_offset");
    Dataset<Row> quarantined = Archives.read(spark(), output.resolve("_quarantine"),
        Archives.quarantineFiles(manifests));
    assertThat(quarantined.filter(col("error").isNull()).count()).as("every quarantined record says why").isZero();
    Dataset<Row> all = archived.union(quarantined.select("_kafka_partition", "_kafka_offset"));
    assertThat(all.count()).isEqualTo(records);
    assertThat(all.distinct().count()).as("each record in exactly one place").isEqualTo(records);
  }

  private void run(ArchiverConfig config) {
    new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE).run();
  }

  private static ArchiverConfig config(LocalKafka kafka, String topic, Path output, Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("source.bootstrap-servers", kafka.bootstrapServers());
    values.put("source.topic", topic);
    values.put("output.path", output.toString());
    values.put("schema.ddl", HostileValues.DDL);
    values.put("schema.event-time-column", "ts");
    values.put("schema.required-columns", "id,ts");
    values.putAll(extra);
    return ConfigLoader.fromMap(values);
  }

  private static void produce(String bootstrap, String topic, Iterable<byte[]> values) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      int i = 0;
      for (byte[] value : values) {
        // Both partitions, whatever the producer's sticky partitioner would choose.
        producer.send(new ProducerRecord<>(topic, i++ % 2, null, value)).get();
      }
    }
  }
}
