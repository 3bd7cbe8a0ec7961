package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.OffsetRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What happens at night: the broker restarts mid-stream, and offsets expire before they are archived. */
@ExtendWith(LocalKafkaExtension.class)
class KafkaFaultsIT extends SparkIT {
  @TempDir
  Path dir;

  @Test
  void theJobWaitsOutABrokerRestartAndResumesExactlyOnce() throws Exception {
    LocalKafka.Settings settings = new LocalKafka.Settings(Path.of(System.getProperty("archiver.kafka.classpath",
        "../bin/local-kafka/target/broker.classpath")), dir.resolve("kafka"), 0, 0, 4).withFreePorts();
    String topic = "restart-" + UUID.randomUUID();
    Path output = dir.resolve("archive");
    LocalKafka broker = LocalKafka.start(settings, Duration.ofSeconds(90));
    try {
      produce(broker.bootstrapServers(), topic, 2_000);
      ArchiverConfig config = config(broker.bootstrapServers(), topic, output, Map.of("trigger.mode",
          "processing-time", "trigger.interval", "1s", "backpressure.max-records-per-batch", "400"));
      try (ArchiveJob job = new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE)) {
        StreamingQuery query = job.start();
        try {
          awaitArchived(output, 400, query);
          broker.close();
          Thread.sleep(8_000);
          broker = LocalKafka.start(settings, Duration.ofSeconds(90));
          produce(broker.bootstrapServers(), topic, 1_000);
          awaitArchived(output, 3_000, query);
        } finally {
          query.stop();
        }
      }
      List<CommitManifest> manifests = Archives.manifests(output);
      Archives.assertEveryOffsetCommittedOnce(manifests, ends(broker.bootstrapServers(), topic));
      assertThat(Archives.read(spark(), output, Archives.archiveFiles(manifests)).select("_kafka_partition",
          "_kafka_offset").distinct().count()).isEqualTo(3_000);
    } finally {
      broker.close();
    }
  }

  @Test
  void expiredOffsetsAreRecordedAndReportedWhenFailOnDataLossIsOff(LocalKafka kafka) throws Exception {
    String topic = "loss-" + UUID.randomUUID();
    Path output = dir.resolve("archive");
    produce(kafka.bootstrapServers(), topic, 400);
    Map<String, String> lenient = Map.of("source.fail-on-data-loss", "false");
    runToEnd(config(kafka.bootstrapServers(), topic, output, lenient));
    Map<Integer, Long> archivedUpTo = ends(kafka.bootstrapServers(), topic);

    produce(kafka.bootstrapServers(), topic, 400);
    Map<Integer, Long> deletedBelow = archivedUpTo.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue() + 20));
    deleteRecords(kafka.bootstrapServers(), topic, deletedBelow);
    runToEnd(config(kafka.bootstrapServers(), topic, output, lenient));

    List<CommitManifest> manifests = Archives.manifests(output);
    List<OffsetRange> lost = manifests.stream().flatMap(m -> m.dataLoss().stream()).toList();
    assertThat(lost).hasSize(4).allSatisfy(r -> {
      assertThat(r.startOffset()).isEqualTo(archivedUpTo.get(r.partition()));
      assertThat(r.endOffset()).isEqualTo(deletedBelow.get(r.partition()));
    });
    assertThat(manifests.stream().mapToLong(CommitManifest::numRecords).sum()).isEqualTo(800 - 80);
    Archives.assertEveryOffsetCommittedOnce(manifests, ends(kafka.bootstrapServers(), topic));

    // The default, fail-on-data-loss, stops the job with a hint instead.
    Path strictOutput = dir.resolve("strict");
    runToEnd(config(kafka.bootstrapServers(), topic, strictOutput, Map.of()));
    produce(kafka.bootstrapServers(), topic, 400);
    deleteRecords(kafka.bootstrapServers(), topic, ends(kafka.bootstrapServers(), topic));
    produce(kafka.bootstrapServers(), topic, 40);
    assertThatThrownBy(() -> runToEnd(config(kafka.bootstrapServers(), topic, strictOutput, Map.of())))
        .isInstanceOf(ArchiverException.class).hasMessageContaining("source.fail-on-data-loss");
  }

  private void runToEnd(ArchiverConfig config) {
    new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE).run();
  }

  private static void awaitArchived(Path output, long records, StreamingQuery query) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(150);
    while (Instant.now().isBefore(deadline)) {
      if (Files.exists(output.resolve("_archiver/manifests"))
          && Archives.manifests(output).stream().mapToLong(CommitManifest::numRecords).sum() >= records) {
        return;
      }
      assertThat(query.isActive()).as("query alive: %s", query.exception()).isTrue();
      Thread.sleep(500);
    }
    throw new AssertionError("not " + records + " records archived in time");
  }

  private static void produce(String bootstrap, String topic, long events) {
    Topics.produce(bootstrap, topic, events, 0);
  }

  private static Map<Integer, Long> ends(String bootstrap, String topic) {
    return Topics.ends(bootstrap, topic);
  }

  private static ArchiverConfig config(String bootstrap, String topic, Path output, Map<String, String> extra) {
    return Topics.config(bootstrap, topic, output.toString(), extra);
  }

  private static void deleteRecords(String bootstrap, String topic, Map<Integer, Long> before) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, RecordsToDelete> request = new HashMap<>();
      before.forEach((p, o) -> request.put(new TopicPartition(topic, p), RecordsToDelete.beforeOffset(o)));
      admin.deleteRecords(request).all().get();
    }
  }

}
