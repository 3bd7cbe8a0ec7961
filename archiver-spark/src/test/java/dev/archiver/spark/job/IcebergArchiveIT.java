package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigException;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.iceberg.BatchSnapshots;
import dev.archiver.spark.iceberg.IcebergCatalog;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code output.format: iceberg} against a real broker and real Spark: the tables, exactly once through the snapshots'
 * query and batch ids across crashes at every point of a batch, the manifests still written, schema evolution.
 */
@ExtendWith(LocalKafkaExtension.class)
class IcebergArchiveIT extends SparkIT {
  private static String bootstrap;

  @TempDir
  Path dir;
  private String topic;
  /** A catalog name per test: the test's Spark session keeps the first catalog registered under a name. */
  private String catalogName;
  private Path output;
  private final List<Long> announced = new ArrayList<>();

  @BeforeAll
  static void broker(LocalKafka kafka) {
    bootstrap = kafka.bootstrapServers();
  }

  @BeforeEach
  void setUp() {
    topic = "events-" + UUID.randomUUID();
    output = dir.resolve("archive");
    catalogName = "c" + UUID.randomUUID().toString().replace("-", "");
  }

  @Test
  void archivesIntoTheTableOnceEachBatchASnapshotTheManifestListsTheSnapshotsFiles() {
    DataGenerator.Result produced = produce(3_000, 0.01);
    run(config(Map.of()), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests).as("a 1000-record limit splits 3000 records into batches").hasSizeGreaterThanOrEqualTo(3);
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(bootstrap, topic));
    assertExactlyOnce(manifests, 3_000, produced.malformed());
    Catalog catalog = catalog(config(Map.of()));
    Table table = catalog.loadTable(TableIdentifier.parse("raw.events"));
    assertThat(table.spec().fields()).singleElement().satisfies(f ->
        assertThat(f.transform().toString()).isEqualTo("day"));
    assertThat(table.schema().findField("_kafka_offset")).as("lineage columns").isNotNull();
    for (CommitManifest m : manifests) {
      Snapshot s = BatchSnapshots.find(table, m.queryId(), m.batchId()).orElseThrow();
      List<String> added = StreamSupport.stream(s.addedDataFiles(table.io()).spliterator(), false)
          .map(f -> f.location()).sorted().toList();
      assertThat(m.files().stream().map(f -> m.archiveRoot() + "/" + f.path()).sorted().toList())
          .as("batch %s: the manifest lists the files its snapshot added", m.batchId()).isEqualTo(added);
      assertThat(m.partitions()).allSatisfy(p -> assertThat(p).startsWith("event_date="));
      assertThat(m.archiveRoot()).isEqualTo(table.location());
      if (m.files().isEmpty()) {
        continue;
      }
      // What the dbt hook reads: the files the manifest lists, as Parquet with hive partitioning.
      spark().conf().set("spark.sql.session.timeZone", "UTC");
      Dataset<Row> batch = spark().read().option("basePath", m.archiveRoot() + "/data").parquet(m.files().stream()
          .map(f -> m.archiveRoot() + "/" + f.path()).toArray(String[]::new));
      assertThat(batch.count()).as("batch %s read from its files", m.batchId()).isEqualTo(m.numArchived());
      assertThat(batch.where("cast(event_time as date) != event_date").count()).as("event_date from the path")
          .isZero();
    }
    assertThat(announced).isEqualTo(manifests.stream().map(CommitManifest::batchId).toList());
  }

  @ParameterizedTest
  @EnumSource(value = BatchHook.Stage.class, names = {"BETWEEN_TABLE_COMMITS", "AFTER_FILES", "AFTER_COMMIT"})
  void aCrashAnywhereInABatchNeitherLosesNorDoublesARow(BatchHook.Stage stage) throws Exception {
    DataGenerator.Result produced = produce(3_000, 0.01);
    AtomicBoolean crashed = new AtomicBoolean();
    assertThatThrownBy(() -> run(config(Map.of()), (at, batchId) -> {
      if (at == stage && batchId == 1 && crashed.compareAndSet(false, true)) {
        throw new SimulatedCrash("simulated crash at " + stage + " of batch 1");
      }
    })).isInstanceOf(ArchiverException.class);
    List<Long> before = Archives.manifests(output).stream().map(CommitManifest::batchId).toList();
    assertThat(before).isEqualTo(stage == BatchHook.Stage.AFTER_COMMIT ? List.of(0L, 1L) : List.of(0L));

    run(config(Map.of()), BatchHook.NONE);
    List<CommitManifest> manifests = Archives.manifests(output);
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(bootstrap, topic));
    assertExactlyOnce(manifests, 3_000, produced.malformed());

    // As Iceberg tests its sink: drop Spark's last commit marker, add data, restart; nothing is written twice.
    Path commits = output.resolve("_archiver/checkpoint/commits");
    long last = manifests.get(manifests.size() - 1).batchId();
    Files.delete(commits.resolve(Long.toString(last)));
    Files.deleteIfExists(commits.resolve("." + last + ".crc"));
    produce(3_000, 0.01);
    run(config(Map.of()), BatchHook.NONE);
    manifests = Archives.manifests(output);
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(bootstrap, topic));
    long malformed = manifests.stream().mapToLong(CommitManifest::numQuarantined).sum();
    assertExactlyOnce(manifests, 6_000, malformed);
  }

  @Test
  void aRestartWithAddedColumnsEvolvesTheTableAnIncompatibleTypeIsRefused() {
    Topics.produce(bootstrap, topic, 2_000, 1_000, 7);
    run(config(Map.of("schema.ddl", EventGenerator.SCHEMA_DDL)), BatchHook.NONE);
    Catalog catalog = catalog(config(Map.of()));
    assertThat(catalog.loadTable(TableIdentifier.parse("raw.events")).schema().findField("region")).isNull();

    Topics.produce(bootstrap, topic, 2_000, 0, 8);
    run(config(Map.of("schema.ddl", EventGenerator.SCHEMA_DDL_V2)), BatchHook.NONE);
    Table table = catalog.loadTable(TableIdentifier.parse("raw.events"));
    assertThat(table.schema().findField("region")).as("the added column").isNotNull();
    assertThat(table.schema().findField("client.os")).as("a nested added column").isNotNull();
    Dataset<Row> rows = spark().table(catalogName + ".raw.events");
    assertThat(rows.where("region is not null").count()).as("the second run's rows fill the new column")
        .isEqualTo(2_000);
    assertThat(rows.count()).isEqualTo(4_000);

    String narrowed = EventGenerator.SCHEMA_DDL_V2.replace("retry_count BIGINT", "retry_count STRING");
    assertThatThrownBy(() -> run(config(Map.of("schema.ddl", narrowed, "schema.allow-incompatible-change", "true")),
        BatchHook.NONE)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.ddl: column 'retry_count' is long in Iceberg table raw.events"
            + " (output.iceberg.table) but schema.ddl makes it string");
  }

  private void assertExactlyOnce(List<CommitManifest> manifests, long records, long malformed) {
    catalog(config(Map.of()));
    Dataset<Row> archived = spark().table(catalogName + ".raw.events").select("_kafka_partition", "_kafka_offset");
    Dataset<Row> quarantined = spark().table(catalogName + ".raw.events_quarantine")
        .select("_kafka_partition", "_kafka_offset");
    assertThat(quarantined.count()).as("quarantined").isEqualTo(malformed);
    assertThat(archived.count()).as("archived").isEqualTo(records - malformed);
    assertThat(archived.union(quarantined).distinct().count()).as("no record twice").isEqualTo(records);
    assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(records - malformed);
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum()).isEqualTo(malformed);
  }

  private Catalog catalog(ArchiverConfig config) {
    return IcebergCatalog.register(spark(), config);
  }

  private DataGenerator.Result produce(long events, double malformedRatio) {
    return Topics.produce(bootstrap, topic, events, malformedRatio);
  }

  private ArchiverConfig config(Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>(Map.of("backpressure.max-records-per-batch", "1000",
        "output.format", "iceberg", "output.iceberg.table", "raw.events", "output.iceberg.catalog-name",
        catalogName));
    values.putAll(extra);
    return Topics.config(bootstrap, topic, output.toString(), values);
  }

  private void run(ArchiverConfig config, BatchHook hook) {
    new ArchiveJob(spark(), config, List.of(m -> announced.add(m.batchId())), Clock.systemUTC(), hook).run();
  }
}
