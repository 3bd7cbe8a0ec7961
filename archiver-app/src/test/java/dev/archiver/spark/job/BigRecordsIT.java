package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 records of 8 MB each (1.6 GB of values that do not compress) archived by the CLI in a driver of its own with a
 * 1 GiB heap: bounded intake by bytes, and Parquet writers whose buffers stay bounded.
 */
@ExtendWith(LocalKafkaExtension.class)
class BigRecordsIT {
  private static final int RECORDS = 200;
  private static final int RECORD_BYTES = 8_000_000;

  @TempDir
  Path dir;

  @Test
  void twoHundredRecordsOf8MbArchiveUnderA1GibHeap(LocalKafka kafka) throws Exception {
    String topic = "big-" + UUID.randomUUID();
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of())) {
      admin.createTopic(topic, 4, Map.of("max.message.bytes", Integer.toString(16 << 20)));
    }
    try {
      produce(kafka.bootstrapServers(), topic);
      Path output = dir.resolve("archive");
      Path log = dir.resolve("driver.log");
      Process driver = driver(kafka.bootstrapServers(), topic, output, log);
      assertThat(driver.waitFor(10, TimeUnit.MINUTES)).as("the run finishes, see %s", log).isTrue();
      assertThat(driver.exitValue()).as("exit code; the driver's log:%n%s", tail(log)).isZero();

      List<CommitManifest> manifests = Archives.manifests(output);
      Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(kafka.bootstrapServers(), topic));
      assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(RECORDS);
      assertThat(manifests.get(0).numRecords()).as("1 MiB per record assumed at first").isBetween(120L, 128L);
      assertThat(manifests.stream().skip(1)).as("once measured, batches hold 128 MiB of values at most")
          .allSatisfy(m -> assertThat(m.numRecords() * (long) RECORD_BYTES).isLessThanOrEqualTo(128L << 20));
      assertThat(manifests.get(1).intake().get("reason")).contains("capped at 16 records by"
          + " backpressure.max-bytes-per-batch 128.0 MiB (measured 7.6 MiB per record)");
    } finally {
      deleteTopic(kafka.bootstrapServers(), topic); // 1.6 GB the shared broker need not keep
    }
  }

  private Process driver(String bootstrap, String topic, Path output, Path log) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(List.of(System.getProperty("archiver.add-opens", "").split(" ")));
    cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + Path.of("../bin/log4j2.properties").toAbsolutePath(),
        "-cp", System.getProperty("archiver.app.jar") + ":"
            + Files.readString(Path.of(System.getProperty("archiver.spark.classpath"))).trim(),
        "dev.archiver.cli.ArchiverCli", "run", "--bootstrap-servers", bootstrap, "--topic", topic, "--output",
        output.toString(), "--schema", "event_id STRING, event_time TIMESTAMP, service STRING, message STRING",
        "--event-time-column", "event_time", "--set", "backpressure.max-bytes-per-batch=128m",
        "--set", "spark.ui.enabled=false"));
    cmd.removeIf(String::isEmpty);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Random text does not compress: the archive holds what Kafka held. */
  private static void produce(String bootstrap, String topic) throws Exception {
    byte[] random = new byte[RECORD_BYTES * 3 / 4];
    new Random(8).nextBytes(random);
    String filler = Base64.getEncoder().encodeToString(random);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(64 << 20));
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    String now = Instant.now().toString();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < RECORDS; i++) {
        String json = "{\"event_id\":\"e-" + i + "\",\"event_time\":\"" + now + "\",\"service\":\"big\","
            + "\"message\":\"" + i + filler.substring(Integer.toString(i).length()) + "\"}";
        producer.send(new ProducerRecord<>(topic, i % 4, null, json.getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  private static void deleteTopic(String bootstrap, String topic) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin.deleteTopics(List.of(topic)).all().get();
    }
  }

  /** The first failure in the log, and its end. */
  private static String tail(Path log) throws Exception {
    List<String> lines = Files.readAllLines(log);
    int first = 0;
    while (first < lines.size() && !lines.get(first).matches(".*(Error|Exception)\\b.*")) {
      first++;
    }
    List<String> shown = new ArrayList<>(lines.subList(Math.min(first, lines.size()),
        Math.min(first + 40, lines.size())));
    shown.add("...");
    shown.addAll(lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    return String.join("\n", shown);
  }
}
