package dev.archiver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.Ports;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
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
