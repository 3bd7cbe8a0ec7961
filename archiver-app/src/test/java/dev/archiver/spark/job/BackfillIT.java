package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: {@code bin/archiver backfill} re-reads from Kafka exactly the ranges the live archive's manifests recorded
 * into another output, with manifests of its own; the live archive is never touched.
 */
@ExtendWith(LocalKafkaExtension.class)
class BackfillIT extends SparkIT {
  @TempDir
  Path dir;
  private final CapturedCli cli = new CapturedCli();

  @Test
  void backfilledRowsEqualTheSourceBatchesRowsAndTheLiveArchiveIsUntouched(LocalKafka kafka) throws Exception {
    String topic = "backfill-" + UUID.randomUUID();
    Path live = dir.resolve("live");
    Path other = dir.resolve("other");
    Topics.produce(kafka.bootstrapServers(), topic, 800, 0.05);
    String[] source = {"--set", "source.bootstrap-servers=" + kafka.bootstrapServers(), "--set",
        "source.topic=" + topic, "--set", "schema.ddl=" + EventGenerator.SCHEMA_DDL, "--set",
        "schema.event-time-column=event_time"};
    assertThat(cli.execute(concat(new String[] {"run", "--output", live.toString(), "--max-records-per-batch", "200",
        "--trigger", "available-now"}, source))).as(cli.err()).isZero();
    List<CommitManifest> liveManifests = Archives.manifests(live);
    assertThat(liveManifests).hasSizeGreaterThanOrEqualTo(4);
    List<String> liveFilesBefore = Archives.filesOnDisk(live);

    String[] backfill = concat(new String[] {"backfill", "--source", live.toString(), "--from-batch", "1",
        "--to-batch", "2", "--output", other.toString()}, source);
    assertThat(cli.execute(backfill)).as(cli.err()).isZero();
    assertThat(cli.out()).contains("backfilled batch 1:", "backfilled batch 2:", "backfill: 2 batch(es)");

    List<CommitManifest> sourceBatches = liveManifests.subList(1, 3);
    List<CommitManifest> backfilled = Archives.manifests(other);
    assertThat(backfilled).extracting(CommitManifest::batchId).containsExactly(1L, 2L);
    for (int i = 0; i < 2; i++) {
      CommitManifest was = sourceBatches.get(i);
      CommitManifest now = backfilled.get(i);
      assertThat(now.offsets()).as("batch %d's offsets", was.batchId()).isEqualTo(was.offsets());
      assertThat(now.numArchived()).isEqualTo(was.numArchived());
      assertThat(now.numQuarantined()).isEqualTo(was.numQuarantined());
      assertThat(now.queryId()).isEqualTo("backfill-" + was.queryId());
      assertThat(now.archiveRoot()).endsWith("/other");
    }
    Dataset<Row> before = Archives.read(spark(), live, Archives.archiveFiles(sourceBatches));
    Dataset<Row> after = Archives.read(spark(), other, Archives.archiveFiles(backfilled));
    assertThat(after.count()).isEqualTo(before.count()).isPositive();
    assertThat(after.columns()).containsExactly(before.columns());
    assertThat(after.exceptAll(before).count()).as("rows only in the backfill").isZero();
    assertThat(before.exceptAll(after).count()).as("rows only in the source batches").isZero();
    Dataset<Row> quarantinedBefore = spark().read().parquet(Archives.quarantineFiles(sourceBatches)
        .toArray(String[]::new)).drop("_batch_id");
    Dataset<Row> quarantinedAfter = spark().read().parquet(Archives.quarantineFiles(backfilled)
        .toArray(String[]::new)).drop("_batch_id");
    assertThat(quarantinedAfter.exceptAll(quarantinedBefore).count()).isZero();
    assertThat(quarantinedBefore.exceptAll(quarantinedAfter).count()).isZero();

    assertThat(Archives.manifests(live)).as("the live archive's manifests").isEqualTo(liveManifests);
    assertThat(Archives.filesOnDisk(live)).as("the live archive's files").isEqualTo(liveFilesBefore);

    // A rerun finds the batches backfilled and writes nothing.
    assertThat(cli.execute(backfill)).as(cli.err()).isZero();
    assertThat(Archives.manifests(other)).isEqualTo(backfilled);

    // The live archive itself, or batches not committed, are refused before anything is written.
    assertThat(cli.execute(concat(new String[] {"backfill", "--source", live.toString(), "--from-batch", "0",
        "--to-batch", "0", "--output", live.toString()}, source))).isEqualTo(2);
    assertThat(cli.err()).contains("backfill never writes into the live archive");
    assertThat(cli.execute(concat(new String[] {"backfill", "--source", live.toString(), "--from-batch", "0",
        "--to-batch", "99", "--output", dir.resolve("third").toString()}, source))).isEqualTo(2);
    assertThat(cli.err()).contains("are not committed");

    // Records Kafka no longer holds: a clear error naming the batch and the range, nothing written.
    deleteRecords(kafka.bootstrapServers(), topic, liveManifests.get(0));
    Path third = dir.resolve("gone");
    assertThat(cli.execute(concat(new String[] {"backfill", "--source", live.toString(), "--from-batch", "0",
        "--to-batch", "1", "--output", third.toString()}, source))).isEqualTo(2);
    assertThat(cli.err()).contains("the topic no longer holds what the batches read", "batch 0 needs " + topic,
        "deleted by retention");
    assertThat(third.resolve("_archiver/manifests")).doesNotExist();
  }

  /** Deletes every record of the batch's ranges (and before them) from the topic. */
  private static void deleteRecords(String bootstrap, String topic, CommitManifest batch) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, RecordsToDelete> request = new HashMap<>();
      batch.offsets().stream().filter(r -> r.size() > 0).forEach(r -> request.put(
          new TopicPartition(topic, r.partition()), RecordsToDelete.beforeOffset(r.endOffset())));
      admin.deleteRecords(request).all().get();
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
