package dev.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  private static Map<String, String> minimal() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("source.topic", "events");
    m.put("schema.ddl", "id STRING, ts TIMESTAMP");
    m.put("output.path", "/data/archive");
    return m;
  }

  @Test
  void appliesDeclaredDefaultsAndDerivedPaths() {
    ArchiverConfig c = ConfigLoader.fromMap(minimal());
    assertThat(c.source().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.source().startingOffsets()).isEqualTo("earliest");
    assertThat(c.source().failOnDataLoss()).isTrue();
    assertThat(c.output().checkpoint()).isEqualTo("/data/archive/_archiver/checkpoint");
    assertThat(c.output().quarantine()).isEqualTo("/data/archive/_quarantine");
    assertThat(c.output().manifests()).isEqualTo("/data/archive/_archiver/manifests");
    assertThat(c.trigger().availableNow()).isTrue();
    assertThat(c.trigger().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.backpressure().maxRecordsPerBatch()).isEqualTo(100_000L);
    assertThat(c.schema().requiredColumns()).isEmpty();
  }

  @Test
  void readsNestedYamlAndPassesKafkaAndSparkOptionsThrough() throws Exception {
    Path file = dir.resolve("archiver.yaml");
    Files.writeString(file, """
        source:
          bootstrap-servers: broker:9093
          topic: events
          kafka:
            security.protocol: SASL_SSL
            sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required password='s3cr3t';"
        schema:
          ddl: "id STRING, ts TIMESTAMP"
          event-time-column: ts
        output:
          path: s3a://bucket/archive
        trigger:
          mode: processing-time
          interval: 5m
        spark:
          sql.shuffle.partitions: 8
        """);
    ArchiverConfig c = ConfigLoader.load(Optional.of(file), Map.of());
    assertThat(c.source().kafkaOptions()).containsEntry("security.protocol", "SASL_SSL")
        .containsKey("sasl.jaas.config");
    assertThat(c.sparkConf()).containsEntry("spark.sql.shuffle.partitions", "8");
    assertThat(c.schema().requiredColumns()).as("event time is required by default").containsExactly("ts");
    assertThat(c.trigger().availableNow()).isFalse();
    assertThat(c.trigger().interval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.redacted()).containsEntry("source.kafka.sasl.jaas.config", Redaction.MASK)
        .containsEntry("source.kafka.security.protocol", "SASL_SSL");
    assertThat(c.redacted().toString()).doesNotContain("s3cr3t");
  }

  @Test
  void readsJsonAndLetsOverridesWin() throws Exception {
    Path file = dir.resolve("archiver.json");
    Files.writeString(file, "{\"source\": {\"topic\": \"a\"}, \"schema\": {\"ddl\": \"id STRING\"},"
        + " \"output\": {\"path\": \"/x\"}, \"backpressure\": {\"max-records-per-batch\": 10}}");
    ArchiverConfig c = ConfigLoader.load(Optional.of(file), Map.of("source.topic", "b",
        "backpressure.max-records-per-batch", "20"));
    assertThat(c.source().topic()).contains("b");
    assertThat(c.backpressure().maxRecordsPerBatch()).isEqualTo(20L);
  }

  @Test
  void reportsEveryErrorAtOnceNamingKeyAndFix() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("output.pth", "/x");
    m.put("trigger.interval", "soon");
    m.put("backpressure.max-records-per-batch", "-5");
    m.put("output.compression", "brotli");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
            .extracting(ConfigError::toString)
            .containsExactlyInAnyOrder(
                "output.pth: unknown key; did you mean 'output.path'?",
                "trigger.interval: 'soon' is not a duration; use e.g. 500ms, 30s, 5m, 1h, 7d or PT30S",
                "backpressure.max-records-per-batch: must be greater than 0, got -5",
                "output.compression: 'brotli' is not one of snappy, zstd, gzip, lz4, none",
                "source.topic: missing: set source.topic (or source.topic-pattern), e.g. --topic events",
                "schema.ddl: missing: set the schema of the JSON records as a Spark DDL string, e.g. --schema"
                    + " 'id STRING, ts TIMESTAMP'",
                "output.path: missing: set the archive root, e.g. --output s3a://bucket/archive"))
        .hasMessageStartingWith("7 config errors:");
  }

  @Test
  void rejectsTopicAndPatternTogether() {
    Map<String, String> m = minimal();
    m.put("source.topic-pattern", "events-.*");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("set only one of source.topic and source.topic-pattern");
  }

  @Test
  void reportsUnreadableYamlWithItsLine() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "source:\n  topic: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad.yaml: is not valid YAML");
  }

  @Test
  void airflowNeedsCredentialsAndMasksThem() {
    Map<String, String> m = minimal();
    m.put("notify.airflow.url", "http://airflow:8080");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("notify.airflow.token: missing");
    m.put("notify.airflow.token", "tok-123");
    ArchiverConfig c = ConfigLoader.fromMap(m);
    assertThat(c.notifications().airflow()).get().extracting(ArchiverConfig.Airflow::dagId)
        .isEqualTo("archiver_dbt_batch");
    assertThat(c.redacted()).containsEntry("notify.airflow.token", Redaction.MASK);
    assertThat(c.toString()).doesNotContain("tok-123");
  }

  @Test
  void unknownFieldsAreKeptByDefaultAndTheChoiceIsChecked() {
    Map<String, String> m = minimal();
    ArchiverConfig c = ConfigLoader.fromMap(m);
    assertThat(c.schema().unknownFields()).isEqualTo(ArchiverConfig.UnknownFields.KEEP);
    assertThat(c.schema().allowIncompatibleChange()).isFalse();
    m.put("schema.unknown-fields", "Quarantine");
    m.put("schema.allow-incompatible-change", "true");
    c = ConfigLoader.fromMap(m);
    assertThat(c.schema().unknownFields()).isEqualTo(ArchiverConfig.UnknownFields.QUARANTINE);
    assertThat(c.schema().allowIncompatibleChange()).isTrue();
    m.put("schema.unknown-fields", "ignore");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.unknown-fields: 'ignore' is not one of keep, drop, quarantine");
  }

  @Test
  void adaptiveLimitsMustNest() {
    Map<String, String> m = minimal();
    m.put("backpressure.policy", "adaptive");
    m.put("backpressure.max-records-per-batch", "500");
    m.put("backpressure.memory-budget-bytes", "lots");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("backpressure.min-records-per-batch: is 1000, above backpressure.max-records-per-batch 500")
        .hasMessageContaining("backpressure.memory-budget-bytes: 'lots' is not a size");
    m.put("backpressure.max-records-per-batch", "50000");
    m.put("backpressure.memory-budget-bytes", "1g");
    ArchiverConfig c = ConfigLoader.fromMap(m);
    assertThat(c.backpressure().memoryBudgetBytes()).isEqualTo(1L << 30);
    assertThat(c.backpressure().initialRecordsPerBatch()).isEqualTo(5000);
    assertThat(c.backpressure().increaseRecords()).isEqualTo(2500);
    assertThat(c.backpressure().targetBatchDuration()).as("the trigger interval").isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fileSizesAndTheLateHorizonAreReadAndBadValuesNamedWithTheirFix() {
    ArchiverConfig defaults = ConfigLoader.fromMap(minimal());
    assertThat(defaults.output().targetFileSize()).as("128m by default").isEqualTo(128L << 20);
    assertThat(defaults.output().maxFilesPerPartition()).as("no shuffle unless asked").isEmpty();
    assertThat(defaults.output().lateAfter()).as("nothing is late unless asked").isEmpty();

    Map<String, String> m = minimal();
    m.put("output.target-file-size", "64m");
    m.put("output.max-files-per-partition-per-batch", "4");
    m.put("output.late-after", "2d");
    ArchiverConfig c = ConfigLoader.fromMap(m);
    assertThat(c.output().targetFileSize()).isEqualTo(64L << 20);
    assertThat(c.output().maxFilesPerPartition()).contains(4);
    assertThat(c.output().lateAfter()).contains(Duration.ofDays(2));

    m.put("output.target-file-size", "1k");
    m.put("output.max-files-per-partition-per-batch", "50000");
    m.put("output.late-after", "two days");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("output.target-file-size: 1024 bytes is below a Parquet file's own overhead")
        .hasMessageContaining("use at least 16k")
        .hasMessageContaining("output.max-files-per-partition-per-batch: 50000 bounds nothing")
        .hasMessageContaining("output.late-after: 'two days' is not a duration");
  }

  @Test
  void refusesRootsThatNestWhereVacuumOrTableScansWouldMistakeThemForData() {
    Map<String, String> m = minimal();
    m.put("output.checkpoint", "/data/archive/checkpoint");
    m.put("output.quarantine", "file:///data/archive/bad-records/");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOfSatisfying(ConfigException.class, e -> {
      assertThat(e.errors()).extracting(ConfigError::key).containsExactlyInAnyOrder("output.checkpoint",
          "output.quarantine");
      assertThat(e.getMessage()).contains("output.checkpoint: '/data/archive/checkpoint' is inside output.path but"
          + " not under its _archiver/ directory").contains("use /data/archive/_archiver/checkpoint")
          .contains("output.quarantine: 'file:///data/archive/bad-records/' is inside output.path in a directory"
              + " table scans read");
    });

    Map<String, String> inside = minimal();
    inside.put("output.quarantine", "/data/quarantine");
    inside.put("output.checkpoint", "/data/quarantine/ckpt");
    assertThatThrownBy(() -> ConfigLoader.fromMap(inside)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("output.checkpoint: '/data/quarantine/ckpt' is inside output.quarantine");

    Map<String, String> around = minimal();
    around.put("output.quarantine", "/data");
    around.put("output.checkpoint", "/data/archive/_archiver/ckpt");
    assertThatThrownBy(() -> ConfigLoader.fromMap(around)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("output.quarantine: '/data' contains output.path");

    Map<String, String> reserved = minimal();
    reserved.put("output.quarantine", "/data/archive/_archiver/q");
    assertThatThrownBy(() -> ConfigLoader.fromMap(reserved)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("which holds manifests and the checkpoint");
  }

  @Test
  void acceptsTheDefaultsAndRootsApartUnderAnySpelling() {
    Map<String, String> m = minimal();
    m.put("output.path", "s3://lake/archive/");
    m.put("output.quarantine", "s3a://lake/archive/_bad");
    m.put("output.checkpoint", "s3a://lake/checkpoints/archive");
    assertThat(ConfigLoader.fromMap(m).output().quarantine()).isEqualTo("s3a://lake/archive/_bad");
    Map<String, String> alias = minimal();
    alias.put("output.path", "s3a://lake/archive");
    alias.put("output.checkpoint", "s3://lake/archive/ckpt");
    assertThatThrownBy(() -> ConfigLoader.fromMap(alias)).as("s3:// and s3a:// name one bucket")
        .hasMessageContaining("output.checkpoint: 's3://lake/archive/ckpt' is inside output.path");
  }

  @Test
  void storagePathsHaveOneSpellingPerPlace() {
    assertThat(StoragePaths.canonical("/data/./a/")).isEqualTo("file:/data/a");
    assertThat(StoragePaths.canonical("file:///data/a/")).isEqualTo("file:/data/a");
    assertThat(StoragePaths.canonical("file:/data//a")).isEqualTo("file:/data/a");
    assertThat(StoragePaths.canonical("s3://lake/p/")).isEqualTo("s3a://lake/p");
    assertThat(StoragePaths.canonical("S3N://lake//p/./q")).isEqualTo("s3a://lake/p/q");
    assertThat(StoragePaths.canonical("s3a://lake")).isEqualTo("s3a://lake/");
    assertThat(StoragePaths.within("s3a://lake/p/x", "s3a://lake")).isTrue();
    assertThat(StoragePaths.within("/data/ab", "/data/a")).as("a prefix is not a parent").isFalse();
    assertThat(StoragePaths.relative("s3://lake/p/_q/", "s3a://lake/p")).contains("_q");
  }

  @Test
  void parsesHumanDurations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> Durations.parse("3 weeks")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parquetIsTheDefaultFormatAndIcebergDefaultsToAHadoopCatalogBesideTheManifests() {
    assertThat(ConfigLoader.fromMap(minimal()).output().format()).isEqualTo(ArchiverConfig.Format.PARQUET);
    assertThat(ConfigLoader.fromMap(minimal()).output().iceberg()).isEmpty();
    Map<String, String> m = minimal();
    m.put("output.format", "iceberg");
    m.put("output.iceberg.table", "raw.events");
    ArchiverConfig.Iceberg iceberg = ConfigLoader.fromMap(m).output().iceberg().orElseThrow();
    assertThat(iceberg).isEqualTo(new ArchiverConfig.Iceberg(ArchiverConfig.CatalogType.HADOOP, "archiver",
        "/data/archive/_warehouse", Optional.empty(), "raw.events", "raw.events_quarantine"));
  }

  @Test
  void icebergSettingsAreCheckedTogetherNamingEachFieldAndItsFix() {
    Map<String, String> m = minimal();
    m.put("output.format", "iceberg");
    m.put("output.iceberg.warehouse", "s3a://lake/warehouse");
    m.put("output.iceberg.catalog-uri", "jdbc:sqlite:/tmp/c.db");
    m.put("output.iceberg.quarantine-table", "events");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
            .extracting(ConfigError::key).containsExactlyInAnyOrder("output.iceberg.table",
                "output.iceberg.quarantine-table", "output.iceberg.catalog-type", "output.iceberg.catalog-uri"))
        .hasMessageContaining("output.iceberg.table: missing: name the archive table as namespace.name")
        .hasMessageContaining("'events' is not namespace.name")
        .hasMessageContaining("output.iceberg.catalog-type: hadoop commits by renaming a metadata file, which S3"
            + " does not do atomically")
        .hasMessageContaining("use output.iceberg.catalog-type: jdbc")
        .hasMessageContaining("output.iceberg.catalog-uri: is set but only the jdbc catalog reads it");

    Map<String, String> jdbc = minimal();
    jdbc.put("output.format", "iceberg");
    jdbc.put("output.iceberg.table", "raw.events");
    jdbc.put("output.iceberg.catalog-type", "jdbc");
    assertThatThrownBy(() -> ConfigLoader.fromMap(jdbc)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("output.iceberg.catalog-uri: missing: the jdbc catalog needs its database");
    jdbc.put("output.iceberg.catalog-uri", "jdbc:sqlite:/tmp/c.db");
    jdbc.put("output.iceberg.warehouse", "s3a://lake/warehouse");
    assertThat(ConfigLoader.fromMap(jdbc).output().iceberg().orElseThrow().catalogUri()).contains(
        "jdbc:sqlite:/tmp/c.db");

    Map<String, String> spark = minimal();
    spark.put("output.format", "iceberg");
    spark.put("output.iceberg.table", "raw.events");
    spark.put("output.iceberg.catalog-type", "spark");
    spark.put("output.iceberg.catalog-name", "lake");
    assertThatThrownBy(() -> ConfigLoader.fromMap(spark)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("spark.sql.catalog.lake, which is not set");
  }

  @Test
  void parquetWriterSettingsTheIcebergFormatDoesNotReadAreRefused() {
    Map<String, String> m = minimal();
    m.put("output.format", "iceberg");
    m.put("output.iceberg.table", "raw.events");
    m.put("output.late-after", "2d");
    m.put("output.quarantine", "/data/q");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::key)
            .containsExactlyInAnyOrder("output.late-after", "output.quarantine"))
        .hasMessageContaining("quarantines into output.iceberg.quarantine-table");
  }

  @Test
  void icebergSettingsWithoutTheIcebergFormatAreAMistake() {
    Map<String, String> m = minimal();
    m.put("output.iceberg.table", "raw.events");
    assertThatThrownBy(() -> ConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("output.iceberg.table: is set but output.format is parquet; set output.format:"
            + " iceberg, or remove it");
  }

  @Test
  void referenceDocumentsEveryKey() {
    String md = ConfigReference.markdown();
    ArchiverConfigKeys.ALL.forEach(k -> assertThat(md).contains("`" + k.name()));
  }
}
