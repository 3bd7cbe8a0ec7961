package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.maintenance.MaintenanceReport;
import dev.archiver.maintenance.MaintenanceRequest;
import dev.archiver.spark.SparkArchiverEngine;
import dev.archiver.spark.iceberg.IcebergCatalog;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code archiver maintain} on an Iceberg archive while the archiver appends to it: no row lost or doubled. */
@ExtendWith(LocalKafkaExtension.class)
class IcebergMaintainIT extends SparkIT {
  private static String bootstrap;

  @TempDir
  Path dir;

  @BeforeAll
  static void broker(LocalKafka kafka) {
    bootstrap = kafka.bootstrapServers();
  }

  @Test
  void compactionAndExpiryBesideARunningArchiveKeepEveryRowOnce() throws Exception {
    String topic = "maintain-" + UUID.randomUUID();
    String catalog = "m" + UUID.randomUUID().toString().replace("-", "");
    Path output = dir.resolve("archive");
    Map<String, String> values = new LinkedHashMap<>(Map.of("output.format", "iceberg",
        "output.iceberg.table", "raw.events", "output.iceberg.catalog-name", catalog,
        "trigger.mode", "processing-time", "trigger.interval", "1s", "backpressure.max-records-per-batch", "250"));
    ArchiverConfig config = Topics.config(bootstrap, topic, output.toString(), values);
    Topics.produce(bootstrap, topic, 1_500, 0);
    ArchiveJob job = new ArchiveJob(spark(), config, List.of());
    CompletableFuture<Void> running = CompletableFuture.runAsync(job::run);
    List<MaintenanceReport> reports = new ArrayList<>();
    try {
      awaitArchived(output, 500, running);
      CompletableFuture<?> producing = CompletableFuture.runAsync(() -> Topics.produce(bootstrap, topic, 1_500, 0));
      SparkArchiverEngine engine = new SparkArchiverEngine();
      // Expiring everything older than now, while batches commit: the harshest schedule there is.
      MaintenanceRequest request = new MaintenanceRequest(true, true, false, Duration.ZERO, 128L << 20);
      for (int round = 0; round < 3; round++) {
        reports.addAll(engine.maintain(config, request));
      }
      reports.addAll(engine.maintain(config, new MaintenanceRequest(false, false, true, Duration.ofHours(1),
          128L << 20)));
      producing.get(60, TimeUnit.SECONDS);
      awaitArchived(output, 3_000, running);
    } finally {
      job.stop();
      running.get(60, TimeUnit.SECONDS);
    }
    assertThat(reports.stream().mapToLong(MaintenanceReport::rewrittenFiles).sum()).as("compacted something")
        .isPositive();
    assertThat(reports.stream().mapToLong(MaintenanceReport::expiredSnapshots).sum()).as("expired something")
        .isPositive();

    List<CommitManifest> manifests = Archives.manifests(output);
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(bootstrap, topic));
    IcebergCatalog.register(spark(), config);
    Dataset<Row> archived = spark().table(catalog + ".raw.events").select("_kafka_partition", "_kafka_offset");
    assertThat(archived.count()).as("no row lost or doubled").isEqualTo(3_000);
    assertThat(archived.distinct().count()).isEqualTo(3_000);
    Table table = IcebergCatalog.register(spark(), config).loadTable(TableIdentifier.parse("raw.events"));
    assertThat(table.snapshots()).as("old snapshots expired").hasSizeLessThan(manifests.size());
  }

  private static void awaitArchived(Path output, long records, CompletableFuture<Void> running) throws Exception {
    Instant deadline = Instant.now().plusSeconds(180);
    while (Instant.now().isBefore(deadline)) {
      if (running.isDone()) {
        running.get();
        throw new AssertionError("the job stopped before archiving " + records + " records");
      }
      if (Archives.manifests(output).stream().mapToLong(CommitManifest::numRecords).sum() >= records) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not " + records + " records archived in time");
  }
}
