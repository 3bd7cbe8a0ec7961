package com.example.userapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.ManifestCodec;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigLoader;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.Archiver;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own Spark application with archiver-spark as a library dependency: outside the archiver's packages (so
 * nothing package-private is reachable), its own SparkSession and YAML file, and only the documented entry point
 * ({@link Archiver}) plus core's public types. The shared test broker and topic helper only produce the input.
 */
@ExtendWith(LocalKafkaExtension.class)
class ArchiverLibraryIT {
  @TempDir
  Path dir;

  @Test
  void aSparkApplicationArchivesThroughTheBuilderAndReadsTheManifestsAndRowsBack(LocalKafka kafka) throws IOException {
    String topic = "library-" + UUID.randomUUID();
    Topics.produce(kafka.bootstrapServers(), topic, 300, 0);
    Path output = dir.resolve("archive");
    Path yaml = dir.resolve("archiver.yaml");
    Files.writeString(yaml, String.join("\n",
        "source:",
        "  bootstrap-servers: " + kafka.bootstrapServers(),
        "  topic: " + topic,
        "schema:",
        "  ddl: \"" + EventGenerator.SCHEMA_DDL + "\"",
        "  event-time-column: event_time",
        "  required-columns: [" + String.join(", ", EventGenerator.REQUIRED) + "]",
        "output:",
        "  path: " + output,
        "trigger:",
        "  mode: available-now",
        "backpressure:",
        "  max-records-per-batch: 100",
        ""));

    SparkSession spark = SparkSession.builder().master("local[2]").appName("my-app")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
    try {
      ArchiverConfig config = ConfigLoader.load(Optional.of(yaml), Map.of());
      List<Long> heard = new ArrayList<>();
      Archiver.builder(spark).config(config).listener(m -> heard.add(m.batchId())).build().run();

      List<CommitManifest> manifests = manifests(output);
      assertThat(manifests).as("100 records per batch: at least 3 batches").hasSizeGreaterThanOrEqualTo(3);
      assertThat(heard).as("the listener hears of each committed batch once, in order")
          .isEqualTo(manifests.stream().map(CommitManifest::batchId).toList());
      assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(300);
      List<Row> rows = spark.read().parquet(output.toString()).select("event_id").distinct().collectAsList();
      assertThat(rows).as("the user's session reads the archive: every event once").hasSize(300);
      assertThat(spark.conf().get("spark.sql.sources.commitProtocolClass"))
          .as("the job's settings stay off the caller's session").doesNotContain("dev.archiver");
    } finally {
      spark.stop();
    }
  }

  /** The manifests as any reader finds them: numbered JSON files under {@code _archiver/manifests}. */
  private static List<CommitManifest> manifests(Path output) throws IOException {
    ManifestCodec codec = new ManifestCodec();
    try (Stream<Path> files = Files.list(output.resolve(ArchiveLayout.MANIFESTS_DIR))) {
      return files.filter(f -> ArchiveLayout.NUMBERED_NAME.matcher(f.getFileName().toString()).matches()).sorted()
          .map(f -> codec.decode(read(f), f.toString())).toList();
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
