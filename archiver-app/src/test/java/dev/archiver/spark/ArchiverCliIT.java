package dev.archiver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.Ports;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it, with the real engine found through the ServiceLoader. */
@ExtendWith(LocalKafkaExtension.class)
class ArchiverCliIT extends SparkIT {
  @TempDir
  Path dir;
  private final CapturedCli cli = new CapturedCli();

  @Test
  void datagenRunAndStatusAgreeAndLagIsZero(LocalKafka kafka) {
    String topic = "cli-" + UUID.randomUUID();
    String output = dir.resolve("archive").toString();
    assertThat(cli.execute(new String[] {"datagen", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--events", "1200", "--malformed-ratio", "0.02", "--spike-at", "300", "--spike-factor", "5"}))
        .as(cli.err()).isZero();
    String[] source = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--output", output,
        "--schema", EventGenerator.SCHEMA_DDL, "--event-time-column", "event_time"};
    assertThat(cli.execute(concat(new String[] {"run"}, concat(source, "--max-records-per-batch", "500",
        "--trigger", "available-now")))).as(cli.err()).isZero();
    assertThat(cli.execute(concat(new String[] {"status"}, source))).isZero();
    String status = cli.out();
    assertThat(status).contains("sent 1200 events", "total lag:           0");
    long archived = Long.parseLong(status.replaceAll("(?s).*records archived:\\s+(\\d+).*", "$1"));
    long quarantined = Long.parseLong(status.replaceAll("(?s).*records quarantined:\\s+(\\d+).*", "$1"));
    assertThat(archived + quarantined).isEqualTo(1200);
    assertThat(quarantined).isPositive();
  }

  /**
   * Issue 16: {@code status} as {@code bin/archiver} runs it (a JVM of its own, bin/log4j2.properties) with nothing
   * listening at the broker's address: the archive's facts, one line about the lag, exit 0, within seconds, and none
   * of the Kafka client's reconnect warnings on the console. With the broker up, {@code --json} holds the lag.
   */
  @Test
  void statusWithTheBrokerDownPrintsTheFactsAndOneLineAboutTheLagWithinSeconds(LocalKafka kafka) throws Exception {
    String topic = "cli-down-" + UUID.randomUUID();
    String output = dir.resolve("archive").toString();
    assertThat(cli.execute(new String[] {"datagen", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--events", "300"})).as(cli.err()).isZero();
    String[] archive = {"--topic", topic, "--output", output, "--schema", EventGenerator.SCHEMA_DDL};
    assertThat(cli.execute(concat(new String[] {"run", "--bootstrap-servers", kafka.bootstrapServers(),
        "--event-time-column", "event_time", "--max-records-per-batch", "200"}, archive))).as(cli.err()).isZero();

    int before = cli.out().length();
    assertThat(cli.execute(concat(new String[] {"status", "--json", "--bootstrap-servers", kafka.bootstrapServers()},
        archive))).as(cli.err()).isZero();
    JsonNode up = new ObjectMapper().readTree(cli.out().substring(before));
    assertThat(up.get("recordsArchived").asLong() + up.get("recordsQuarantined").asLong()).isEqualTo(300);
    assertThat(up.at("/lastBatch/intake/maxRecordsPerBatch").asText()).isEqualTo("200");
    assertThat(up.get("lag").size()).as(up.toString()).isEqualTo(up.get("committedOffsets").size()).isPositive();
    up.get("lag").forEach(lag -> assertThat(lag.asLong()).as(up.toString()).isZero());
    assertThat(up.get("totalLag").asLong()).isZero();
    assertThat(up.get("lagError").isNull()).isTrue();

    String down = "127.0.0.1:" + Ports.free();
    Path log = dir.resolve("status.log");
    long start = System.nanoTime();
    Process status = Drivers.cli(log, List.of(concat(new String[] {"status", "--bootstrap-servers", down},
        archive)));
    assertThat(status.waitFor(60, TimeUnit.SECONDS)).as("status ended").isTrue();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    String console = Files.readString(log);
    assertThat(status.exitValue()).as(console).isZero();
    assertThat(console).contains("committed batches:   " + up.get("committedBatches") + " (last: batch "
        + up.at("/lastBatch/batchId") + " at " + up.at("/lastBatch/committedAt").asText(),
        "records archived:    " + up.get("recordsArchived"), "records quarantined: " + up.get("recordsQuarantined"),
        "last batch offsets:  ", topic + "-0 [",
        "intake:              at most 200 records per batch (" + up.at("/lastBatch/intake/policy").asText() + ": ",
        "lag:                 unknown: the broker at " + down + " did not answer within 5s (--timeout)")
        .doesNotContain("NetworkClient", "could not be established", "failed");
    assertThat(console.lines().filter(l -> l.startsWith("lag")).count()).as(console).isEqualTo(1);
    // About 6.5 s here (JVM start, the manifests, the 5 s timeout); the bound leaves a loaded CI machine room, while
    // the 30 s and more of the old lookup (and its retries) would still fail it.
    assertThat(elapsed).as("JVM start, the manifests, and the 5 s timeout").isLessThan(Duration.ofSeconds(15));
    assertThat(Files.readString(Path.of("../.archiver/logs/kafka-clients.log"))).as("the chatter went to its file")
        .contains("Connection to node -1 (/" + down + ") could not be established");

    Path jsonLog = dir.resolve("status-json.log");
    Process json = Drivers.cli(jsonLog, List.of(concat(new String[] {"status", "--json", "--timeout", "1s",
        "--bootstrap-servers", down}, archive)));
    assertThat(json.waitFor(60, TimeUnit.SECONDS)).as("status --json ended").isTrue();
    String jsonText = Files.readString(jsonLog);
    assertThat(json.exitValue()).as(jsonText).isZero();
    JsonNode downJson = new ObjectMapper().readTree(jsonText);
    assertThat(downJson.get("recordsArchived").asLong()).isEqualTo(up.get("recordsArchived").asLong());
    assertThat(downJson.get("committedOffsets")).isEqualTo(up.get("committedOffsets"));
    assertThat(downJson.get("lag").isNull()).isTrue();
    assertThat(downJson.get("lagError").asText()).isEqualTo("the broker at " + down
        + " did not answer within 1s (--timeout)");
  }

  @Test
  void unknownFieldsAreListedAndSuggestedAndASchemaChangeIsRefusedUnlessAllowed(LocalKafka kafka) {
    String topic = "cli-v2-" + UUID.randomUUID();
    String output = dir.resolve("archive").toString();
    assertThat(cli.execute(new String[] {"datagen", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--events", "400", "--second-version-at", "100"})).as(cli.err()).isZero();
    String[] source = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--output", output,
        "--event-time-column", "event_time"};
    assertThat(cli.execute(concat(new String[] {"run"}, concat(source, "--schema", EventGenerator.SCHEMA_DDL))))
        .as(cli.err()).isZero();
    assertThat(cli.execute(concat(new String[] {"status", "--no-lag", "--schema", EventGenerator.SCHEMA_DDL},
        source))).as(cli.err()).isZero();
    assertThat(cli.out()).contains("unknown fields:      client (300 records), region (300 records), retry_count"
        + " (300 records)");
    assertThat(cli.execute(new String[] {"schema", "suggest", "--output", output})).as(cli.err()).isZero();
    assertThat(cli.out()).contains("region STRING, retry_count BIGINT, client STRUCT<os: STRING, version: STRING>");

    String withoutMessage = EventGenerator.SCHEMA_DDL.replace(", message STRING", "");
    assertThat(cli.execute(concat(new String[] {"run"}, concat(source, "--schema", withoutMessage)))).isEqualTo(2);
    assertThat(cli.err()).contains("schema.ddl: column 'message' (STRING) is removed since batch",
        "--allow-schema-change");
    assertThat(cli.execute(concat(new String[] {"run"}, concat(source, "--schema", withoutMessage,
        "--allow-schema-change")))).as(cli.err()).isZero();
  }

  @Test
  void vacuumDeletesOnlyOldFilesNoManifestLists(LocalKafka kafka) throws Exception {
    String topic = "vacuum-" + UUID.randomUUID();
    Path output = dir.resolve("archive");
    cli.execute(new String[] {"datagen", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--events", "300"});
    assertThat(cli.execute(new String[] {"run", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
        "--output", output.toString(), "--schema", EventGenerator.SCHEMA_DDL, "--event-time-column", "event_time"}))
        .isZero();
    List<Path> committed;
    try (var files = Files.walk(output)) {
      committed = files.filter(p -> p.toString().endsWith(".parquet")).toList();
    }
    Path partition = committed.get(0).getParent();
    Path oldOrphan = Files.copy(committed.get(0), partition.resolve("part-00000000000000000099-00000.c000.parquet"));
    Files.setLastModifiedTime(oldOrphan, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
    Path youngOrphan = Files.copy(committed.get(0), partition.resolve("part-00000000000000000100-00000.c000.parquet"));
    for (Path p : committed) {
      Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofDays(30))));
    }

    String[] vacuum = {"vacuum", "--output", output.toString(), "--older-than", "24h"};
    assertThat(cli.execute(concat(vacuum, "--dry-run"))).isZero();
    assertThat(cli.out()).contains("would delete", oldOrphan.getFileName().toString())
        .doesNotContain("would delete " + youngOrphan.toUri());
    assertThat(oldOrphan).exists();
    assertThat(cli.execute(vacuum)).isZero();
    assertThat(oldOrphan).doesNotExist();
    assertThat(youngOrphan).as("newer than --older-than").exists();
    committed.forEach(p -> assertThat(p).as("listed in a manifest").exists());
  }

  @Test
  void aSchemaSparkCannotParseIsAConfigErrorNamingTheKey() {
    assertThat(cli.execute(new String[] {"run", "--topic", "t", "--output", dir.toString(), "--schema",
        "id STRANG,", "--event-time-column", "ts"})).isEqualTo(2);
    assertThat(cli.err()).contains("schema.ddl: is not a Spark DDL schema");
  }

  @Test
  void localKafkaStartsDetachedAndStops() {
    String kafkaDir = dir.resolve("kafka").toString();
    String port = Integer.toString(Ports.free());
    assertThat(cli.execute(new String[] {"local-kafka", "start", "--dir", kafkaDir, "--port", port})).isZero();
    try {
      assertThat(cli.execute(new String[] {"local-kafka", "status", "--dir", kafkaDir})).isZero();
      assertThat(cli.out()).contains("local Kafka running at 127.0.0.1:" + port);
    } finally {
      assertThat(cli.execute(new String[] {"local-kafka", "stop", "--dir", kafkaDir})).isZero();
    }
    assertThat(cli.out()).contains("local Kafka stopped");
    assertThat(LocalKafka.runningDetached(Path.of(kafkaDir))).isEmpty();
  }

  private static String[] concat(String[] a, String... b) {
    String[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }
}
