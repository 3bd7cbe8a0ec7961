package dev.archiver.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer adds fields: the archive keeps them in {@code _extra} and counts them, a config change makes them
 * columns of the new files, readers read across old and new files, and incompatible changes are refused at start.
 */
@ExtendWith(LocalKafkaExtension.class)
class SchemaEvolutionIT extends SparkIT {
  private static final List<String> V2_FIELDS = List.of("client", "region", "retry_count");
  private static String bootstrap;

  @TempDir
  Path dir;
  private String topic;
  private Path output;

  @BeforeAll
  static void broker(LocalKafka kafka) {
    bootstrap = kafka.bootstrapServers();
  }

  @BeforeEach
  void setUp() {
    topic = "evolving-" + UUID.randomUUID();
    output = dir.resolve("archive");
  }

  @Test
  void newFieldsAreKeptCountedThenArchivedAsColumnsAfterAConfigChange() {
    Topics.produce(bootstrap, topic, 800, 400, 1);
    run(config(EventGenerator.SCHEMA_DDL, Map.of()));

    List<CommitManifest> v1 = Archives.manifests(output);
    assertThat(unknownFields(v1)).as("each new field counted once per record that had it, across batches")
        .isEqualTo(Map.of("client", 400L, "region", 400L, "retry_count", 400L));
    assertThat(v1).allSatisfy(m -> assertThat(m.schema()).contains(ArchiveSchema.of(
        org.apache.spark.sql.types.StructType.fromDDL(EventGenerator.SCHEMA_DDL + ", _extra STRING").toDDL())));
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(v1));
    assertThat(archived.where(col("_extra").isNotNull()).count()).isEqualTo(400);
    Dataset<Row> kafka = spark().read().format("kafka").option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic).option("startingOffsets", "earliest").load().selectExpr("partition", "offset", "CAST(value AS STRING) AS json");
    Dataset<Row> expected = kafka.where(get_json_object(col("json"), "$.region").isNotNull())
        .select(col("partition"), col("offset"), get_json_object(col("json"), "$.region").as("region"),
            get_json_object(col("json"), "$.client").as("client"),
            get_json_object(col("json"), "$.retry_count").as("retry_count"));
    Dataset<Row> kept = archived.where(col("_extra").isNotNull()).select(col("_kafka_partition").as("partition"),
        col("_kafka_offset").as("offset"), get_json_object(col("_extra"), "$.region").as("region"),
        get_json_object(col("_extra"), "$.client").as("client"),
        get_json_object(col("_extra"), "$.retry_count").as("retry_count"));
    assertDataFrameNoOrderEquals(expected, kept);

    // What 'archiver schema suggest' prints: the fields typed from a sample of _extra, as V2 declares them.
    List<String> uris = v1.stream().flatMap(m -> m.files().stream().map(f -> m.archiveRoot() + "/" + f.path()))
        .toList();
    List<String> sample = new dev.archiver.spark.SparkArchiverEngine().sampleExtra(uris, 50, Map.of());
    assertThat(sample).hasSize(50).allSatisfy(e -> assertThat(e).startsWith("{\"region\":"));
    assertThat(dev.archiver.schema.SchemaSuggestion.suggest(V2_FIELDS, sample).ddl())
        .isEqualTo("region STRING, retry_count BIGINT, client STRUCT<os: STRING, version: STRING>");

    // The config change: the new fields become columns; the files written before keep theirs.
    Topics.produce(bootstrap, topic, 200, 0, 2);
    run(config(EventGenerator.SCHEMA_DDL_V2, Map.of()));
    List<CommitManifest> all = Archives.manifests(output);
    List<CommitManifest> v2 = all.subList(v1.size(), all.size());
    assertThat(v2).isNotEmpty();
    assertThat(unknownFields(v2)).as("declared now: nothing unknown").isEmpty();
    assertThat(v2.get(0).schema().orElseThrow().ddl()).contains("region", "retry_count", "client", "_extra");
    assertThat(v2.get(0).schema().orElseThrow().fingerprint())
        .isNotEqualTo(v1.get(0).schema().orElseThrow().fingerprint());

    Dataset<Row> merged = spark().read().option("mergeSchema", "true").option("basePath", output.toUri().toString())
        .parquet(Archives.archiveFiles(all).toArray(String[]::new));
    assertThat(merged.count()).isEqualTo(1000);
    assertThat(merged.where(col("region").isNotNull()).count()).as("the new files' column").isEqualTo(200);
    assertThat(merged.where(col("client.os").isNotNull()).count()).isEqualTo(200);
    assertThat(merged.where(col("region").isNull().and(col("_extra").isNotNull())).count())
        .as("the old files' records keep theirs in _extra").isEqualTo(400);
    assertThat(merged.where(col("_extra").isNotNull().and(col("region").isNotNull())).count()).isZero();
  }

  @Test
  void countsComeFromTheCommittedFilesNotFromAnAttemptThatCrashed() {
    Topics.produce(bootstrap, topic, 900, 300, 6);
    java.util.concurrent.atomic.AtomicBoolean crashed = new java.util.concurrent.atomic.AtomicBoolean();
    assertThatThrownBy(() -> new ArchiveJob(spark(), config(EventGenerator.SCHEMA_DDL, Map.of()), List.of(),
        Clock.systemUTC(), (stage, batchId) -> {
          if (stage == BatchHook.Stage.AFTER_FILES && batchId == 1 && crashed.compareAndSet(false, true)) {
            throw new SimulatedCrash("simulated crash after the files of batch 1");
          }
        }).run()).hasStackTraceContaining("simulated crash");
    run(config(EventGenerator.SCHEMA_DDL, Map.of()));

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(Archives.filesOnDisk(output)).as("the crashed attempt left files with unknown fields")
        .hasSizeGreaterThan(Archives.archiveFiles(manifests).size());
    assertThat(unknownFields(manifests)).isEqualTo(Map.of("client", 600L, "region", 600L, "retry_count", 600L));
  }

  @Test
  void aRemovedColumnIsRefusedAtStartUnlessAllowed() {
    Topics.produce(bootstrap, topic, 100, 0, 3);
    run(config(EventGenerator.SCHEMA_DDL_V2, Map.of()));
    int committed = Archives.manifests(output).size();

    Topics.produce(bootstrap, topic, 100, 0, 4);
    assertThatThrownBy(() -> run(config(EventGenerator.SCHEMA_DDL, Map.of())))
        .hasStackTraceContaining("schema.ddl: column 'region' (STRING) is removed")
        .hasStackTraceContaining("--allow-schema-change");
    assertThat(Archives.manifests(output)).as("refused before it wrote a batch").hasSize(committed);

    run(config(EventGenerator.SCHEMA_DDL, Map.of("schema.allow-incompatible-change", "true")));
    assertThat(Archives.manifests(output).stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(200);
  }

  @Test
  void quarantineModeQuarantinesAndCountsRecordsWithUnknownFields() {
    Topics.produce(bootstrap, topic, 300, 100, 5);
    run(config(EventGenerator.SCHEMA_DDL, Map.of("schema.unknown-fields", "quarantine")));

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum()).isEqualTo(200);
    assertThat(unknownFields(manifests)).isEqualTo(Map.of("client", 200L, "region", 200L, "retry_count", 200L));
    Dataset<Row> quarantined = Archives.read(spark(), output.resolve("_quarantine"),
        Archives.quarantineFiles(manifests));
    assertThat(quarantined.where(col("error").endsWith("region, retry_count, client")).count()).isEqualTo(200);
    assertThat(List.of(Archives.read(spark(), output, Archives.archiveFiles(manifests)).columns()))
        .as("no _extra column unless kept").doesNotContain("_extra");
  }

  private static Map<String, Long> unknownFields(List<CommitManifest> manifests) {
    Map<String, Long> sum = new TreeMap<>();
    manifests.forEach(m -> m.unknownFields().forEach((k, v) -> sum.merge(k, v, Long::sum)));
    assertThat(sum.keySet()).isSubsetOf(V2_FIELDS);
    return sum;
  }

  private ArchiverConfig config(String ddl, Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>(Map.of("backpressure.max-records-per-batch", "300",
        "schema.ddl", ddl));
    values.putAll(extra);
    return Topics.config(bootstrap, topic, output.toString(), values);
  }

  private void run(ArchiverConfig config) {
    new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE).run();
  }
}
