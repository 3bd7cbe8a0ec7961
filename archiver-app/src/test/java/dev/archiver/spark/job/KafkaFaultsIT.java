package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.ArchiverException;
import dev.archiver.InvalidInputException;
import dev.archiver.cli.ArchiverCli;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.checkpoint.OffsetLog;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
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

  @Test
  void aRecreatedTopicStopsTheJobOrIsRecordedAsDataLoss(LocalKafka kafka) throws Exception {
    String topic = "recreated-" + UUID.randomUUID();
    Path lenientOutput = dir.resolve("lenient");
    Path strictOutput = dir.resolve("strict");
    Map<String, String> lenient = Map.of("source.fail-on-data-loss", "false");
    produce(kafka.bootstrapServers(), topic, 400);
    runToEnd(config(kafka.bootstrapServers(), topic, lenientOutput, lenient));
    runToEnd(config(kafka.bootstrapServers(), topic, strictOutput, Map.of()));
    Map<Integer, Long> oldEnds = ends(kafka.bootstrapServers(), topic);

    recreate(kafka.bootstrapServers(), topic);
    produce(kafka.bootstrapServers(), topic, 40);
    Map<Integer, Long> newEnds = ends(kafka.bootstrapServers(), topic);

    long started = System.nanoTime();
    assertThatThrownBy(() -> runToEnd(config(kafka.bootstrapServers(), topic, strictOutput, Map.of())))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("deleted and recreated, or truncated")
        .hasMessageContaining("source.fail-on-data-loss: false");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("at once, not after Spark's retries")
        .isLessThan(Duration.ofSeconds(30));

    runToEnd(config(kafka.bootstrapServers(), topic, lenientOutput, lenient));
    List<CommitManifest> manifests = Archives.manifests(lenientOutput);
    List<OffsetReset> resets = manifests.stream().flatMap(m -> m.offsetResets().stream()).toList();
    assertThat(resets).hasSize(4).allSatisfy(r -> {
      assertThat(r.fromOffset()).isEqualTo(oldEnds.get(r.partition()));
      assertThat(r.toOffset()).isEqualTo(newEnds.get(r.partition()));
    });
    assertThat(manifests.stream().mapToLong(CommitManifest::lostRecords).sum()).isEqualTo(40);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ArchiverCli(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Path.of(".."),
        ArchiverEngine::load).execute(new String[] {"status", "--topic", topic, "--output", lenientOutput.toString(),
            "--schema", "id STRING", "--no-lag"});
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("DATA LOSS:").contains("went back from offset "
        + oldEnds.get(0) + " to " + newEnds.get(0)).contains("topic recreated or truncated");

    // The new topic's next records are archived from where it stood.
    produce(kafka.bootstrapServers(), topic, 40);
    runToEnd(config(kafka.bootstrapServers(), topic, lenientOutput, lenient));
    List<CommitManifest> after = Archives.manifests(lenientOutput);
    assertThat(after.get(after.size() - 1).offsets()).allSatisfy(r ->
        assertThat(r.startOffset()).isEqualTo(newEnds.get(r.partition())));
    assertThat(after.stream().skip(manifests.size()).mapToLong(CommitManifest::numRecords).sum()).isEqualTo(40);
  }

  @Test
  void recordsDeletedWhileABatchIsRetriedAreRecordedOrStopTheJob(LocalKafka kafka) throws Exception {
    String topic = "retried-" + UUID.randomUUID();
    Path output = dir.resolve("archive");
    produce(kafka.bootstrapServers(), topic, 400);
    Map<String, String> lenient = Map.of("source.fail-on-data-loss", "false", "backpressure.max-records-per-batch",
        "200", "commit.retry.initial-wait", "100ms");
    Map<Integer, Long> deletedBelow = new HashMap<>();
    runToEnd(config(kafka.bootstrapServers(), topic, output, lenient),
        deleteDuringFirstAttemptOfBatch1(kafka, topic, output, deletedBelow));

    List<CommitManifest> manifests = Archives.manifests(output);
    CommitManifest retried = manifests.get(1);
    assertThat(retried.dataLoss()).as("the deletion is in the manifest of the batch it hit").hasSize(4)
        .allSatisfy(r -> {
          assertThat(r.startOffset()).isEqualTo(retried.offsets().stream()
              .filter(o -> o.partition() == r.partition()).findFirst().orElseThrow().startOffset());
          assertThat(r.endOffset()).isEqualTo(deletedBelow.get(r.partition()));
        });
    assertThat(retried.numRecords()).isEqualTo(retried.offsets().stream().mapToLong(OffsetRange::size).sum()
        - retried.lostRecords());
    Archives.assertEveryOffsetCommittedOnce(manifests, ends(kafka.bootstrapServers(), topic));

    // With fail-on-data-loss, the same deletion stops the job.
    String strictTopic = "retried-strict-" + UUID.randomUUID();
    Path strictOutput = dir.resolve("strict");
    produce(kafka.bootstrapServers(), strictTopic, 400);
    assertThatThrownBy(() -> runToEnd(config(kafka.bootstrapServers(), strictTopic, strictOutput,
        Map.of("backpressure.max-records-per-batch", "200", "commit.retry.initial-wait", "100ms",
            "commit.retry.num-retries", "2")),
        deleteDuringFirstAttemptOfBatch1(kafka, strictTopic, strictOutput, new HashMap<>())))
        .isInstanceOf(ArchiverException.class).hasMessageContaining("source.fail-on-data-loss");
    assertThat(Archives.manifests(strictOutput)).extracting(CommitManifest::batchId).containsExactly(0L);
  }

  /** Deletes the first ten records of each partition of batch 1 after its first attempt wrote, then fails it. */
  private static BatchHook deleteDuringFirstAttemptOfBatch1(LocalKafka kafka, String topic, Path output,
      Map<Integer, Long> deletedBelow) {
    AtomicBoolean done = new AtomicBoolean();
    return (stage, batchId) -> {
      if (stage != BatchHook.Stage.AFTER_FILES || batchId != 1 || !done.compareAndSet(false, true)) {
        return;
      }
      for (OffsetRange r : new OffsetLog(output.resolve("_archiver/checkpoint").toString(), new Configuration())
          .ranges(1)) {
        deletedBelow.put(r.partition(), Math.min(r.endOffset(), r.startOffset() + 10));
      }
      try {
        deleteRecords(kafka.bootstrapServers(), topic, deletedBelow);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      throw new IllegalStateException("simulated storage failure after the files of batch 1");
    };
  }

  private static void recreate(String bootstrap, String topic) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin.deleteTopics(List.of(topic)).all().get();
      Instant deadline = Instant.now().plusSeconds(60);
      while (admin.listTopics().names().get().contains(topic)) {
        assertThat(Instant.now()).as("topic deleted in time").isBefore(deadline);
        Thread.sleep(200);
      }
    }
    try (KafkaAdmin admin = new KafkaAdmin(bootstrap, Map.of())) {
      Instant deadline = Instant.now().plusSeconds(60);
      while (true) {
        try {
          admin.createTopic(topic, 4);
          break;
        } catch (RuntimeException e) { // the broker may still be removing the old one
          assertThat(Instant.now()).as("topic recreated in time: %s", e).isBefore(deadline);
          Thread.sleep(500);
        }
      }
    }
  }

  private void runToEnd(ArchiverConfig config, BatchHook hook) {
    new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), hook).run();
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
