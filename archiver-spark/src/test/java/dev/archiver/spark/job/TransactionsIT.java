package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic written by a transactional producer, some transactions committed, some aborted: the archive holds exactly
 * the committed records (malformed ones quarantined), while the manifests' ranges still cover every offset, aborted
 * records and transaction markers included.
 */
@ExtendWith(LocalKafkaExtension.class)
class TransactionsIT extends SparkIT {
  @TempDir
  Path dir;

  @Test
  void onlyCommittedTransactionsAreArchivedAndManifestsCoverEveryOffset(LocalKafka kafka) {
    String topic = "txn-" + UUID.randomUUID();
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of())) {
      admin.createTopic(topic, 2);
    }
    int committed = 0;
    int malformed = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(transactional(kafka.bootstrapServers()))) {
      producer.initTransactions();
      for (int txn = 0; txn < 6; txn++) {
        boolean abort = txn % 3 == 1;
        producer.beginTransaction();
        for (int i = 0; i < 50; i++) {
          boolean broken = !abort && i == 7;
          String id = "t" + txn + "-" + i;
          String value = broken ? "{\"event_id\": \"" + id + "\", \"event_time\": " : "{\"event_id\":\"" + id
              + "\",\"event_time\":\"2026-12-01T10:00:00Z\",\"service\":\"" + (abort ? "aborted" : "committed")
              + "\"}";
          producer.send(new ProducerRecord<>(topic, i % 2, id, value));
        }
        if (abort) {
          producer.flush(); // on the broker before the abort, else the producer drops them unsent
          producer.abortTransaction();
        } else {
          producer.commitTransaction();
          committed += 50;
          malformed += 1;
        }
      }
    }
    Path output = dir.resolve("archive");
    new ArchiveJob(spark(), Topics.config(kafka.bootstrapServers(), topic, output.toString(),
        Map.of("backpressure.max-records-per-batch", "120")), List.of(), Clock.systemUTC(), BatchHook.NONE).run();

    List<CommitManifest> manifests = Archives.manifests(output);
    Map<Integer, Long> ends = Topics.ends(kafka.bootstrapServers(), topic);
    assertThat(ends.values().stream().mapToLong(Long::longValue).sum())
        .as("the topic's offsets include aborted records and markers").isGreaterThan(300);
    Archives.assertEveryOffsetCommittedOnce(manifests, ends);
    assertThat(manifests.stream().mapToLong(CommitManifest::numRecords).sum()).isEqualTo(committed);
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum()).isEqualTo(malformed);
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests));
    assertThat(archived.count()).isEqualTo(committed - malformed);
    assertThat(archived.filter("service = 'aborted'").count()).as("no record of an aborted transaction").isZero();
    assertThat(archived.select("_kafka_partition", "_kafka_offset").distinct().count())
        .isEqualTo(committed - malformed);
  }

  private static Properties transactional(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "archiver-it-" + UUID.randomUUID());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return props;
  }
}
