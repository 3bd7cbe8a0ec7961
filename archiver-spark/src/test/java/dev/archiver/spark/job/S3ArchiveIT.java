package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.testing.Manifests;
import dev.archiver.vacuum.ArchiveStorage;
import dev.archiver.vacuum.Vacuum;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.iceberg.IcebergCatalog;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.OutageProxy;
import dev.archiver.spark.testing.S3Extension;
import dev.archiver.spark.testing.S3MockServer;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/** The archive, its quarantine, manifests and checkpoint on S3 (a real S3 API server), through hadoop-aws S3A. */
@ExtendWith({LocalKafkaExtension.class, S3Extension.class})
class S3ArchiveIT extends SparkIT {
  private static S3MockServer s3;
  private static String bootstrap;
  private String topic;
  private String output;

  @BeforeAll
  static void setUpServers(LocalKafka kafka, S3MockServer server) {
    s3 = server;
    bootstrap = kafka.bootstrapServers();
  }

  @BeforeEach
  void setUp() {
    topic = "s3-" + UUID.randomUUID();
    output = "s3a://" + S3MockServer.BUCKET + "/" + topic;
    s3.s3aConf(s3.endpoint()).forEach((k, v) -> spark().conf().set(k.substring("spark.hadoop.".length()), v));
  }

  @Test
  void archivesToS3WithItsCheckpointThereAndRestartsFromIt() throws Exception {
    DataGenerator.Result first = produce(1_500, 0.02);
    run(config(s3.endpoint(), Map.of()));
    DataGenerator.Result second = produce(1_000, 0.02);
    run(config(s3.endpoint(), Map.of()));

    Configuration conf = s3.hadoopConf(s3.endpoint());
    List<CommitManifest> manifests = Archives.manifests(output, conf);
    assertThat(manifests.stream().map(CommitManifest::queryId).distinct()).as("restarted from the S3 checkpoint")
        .hasSize(1);
    Archives.assertEveryOffsetCommittedOnce(manifests, ends());
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum())
        .isEqualTo(first.malformed() + second.malformed());
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests));
    assertThat(archived.count()).isEqualTo(2_500 - first.malformed() - second.malformed());
    assertThat(archived.select("_kafka_partition", "_kafka_offset").distinct().count()).isEqualTo(archived.count());
    assertThat(manifests.get(0).archiveRoot()).isEqualTo(output);

    FileSystem fs = new org.apache.hadoop.fs.Path(output).getFileSystem(conf);
    for (CommitManifest m : manifests) {
      try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(output + "/_archiver/manifests/"
          + CommitManifest.fileName(m.batchId())))) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as("no secret in a manifest")
            .doesNotContain("archiver-test-secret").doesNotContain("archiver-test-access");
      }
    }
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(output + "/_archiver/checkpoint/commits/0"))).isTrue();
  }

  @Test
  void anS3OutageMidStreamIsRetriedAndNothingIsLostOrDuplicated() throws Exception {
    produce(1_500, 0);
    try (OutageProxy proxy = new OutageProxy(s3.port())) {
      ArchiverConfig config = config(proxy.endpoint(), Map.of("trigger.mode", "processing-time",
          "trigger.interval", "1s", "backpressure.max-records-per-batch", "300", "commit.retry.initial-wait", "1s",
          "commit.retry.num-retries", "6"));
      ArchiveJob job = new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE);
      CompletableFuture<Void> running = CompletableFuture.runAsync(job::run);
      try {
        awaitArchived(300, running);
        proxy.cut();
        produce(1_000, 0);
        Thread.sleep(10_000);
        assertThat(running).as("the job rides out the outage").isNotDone();
        proxy.restore();
        awaitArchived(2_500, running);
      } finally {
        job.stop();
        running.get(60, TimeUnit.SECONDS);
      }
    }
    List<CommitManifest> manifests = Archives.manifests(output, s3.hadoopConf(s3.endpoint()));
    Archives.assertEveryOffsetCommittedOnce(manifests, ends());
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests));
    assertThat(archived.count()).isEqualTo(2_500);
    assertThat(archived.select("_kafka_partition", "_kafka_offset").distinct().count()).isEqualTo(2_500);
  }

  @Test
  @Disabled("fails from batch 2 on with SQLITE_BUSY (database is locked): the job's catalog and the streaming"
      + " session's own SparkCatalog open separate JDBC pools on one SQLite file; needs a busy timeout/WAL or one"
      + " shared catalog. The same job passes with the Hadoop catalog (IcebergArchiveIT)")
  void archivesIntoAnIcebergTableOnS3WhoseJdbcCatalogIsSqlite(@TempDir Path dir) {
    String catalog = "s3" + UUID.randomUUID().toString().replace("-", "");
    Map<String, String> iceberg = Map.of("output.format", "iceberg", "output.iceberg.table", "raw.events",
        "output.iceberg.catalog-type", "jdbc", "output.iceberg.catalog-name", catalog,
        "output.iceberg.catalog-uri", "jdbc:sqlite:" + dir.resolve("catalog.db"),
        "output.iceberg.warehouse", output + "/warehouse", "commit.retry.num-retries", "1",
        "commit.retry.initial-wait", "1s");
    DataGenerator.Result first = produce(1_500, 0.02);
    run(config(s3.endpoint(), iceberg));
    DataGenerator.Result second = produce(1_000, 0.02);
    run(config(s3.endpoint(), iceberg));

    List<CommitManifest> manifests = Archives.manifests(output, s3.hadoopConf(s3.endpoint()));
    Archives.assertEveryOffsetCommittedOnce(manifests, ends());
    assertThat(manifests.get(0).archiveRoot()).startsWith(output + "/warehouse/raw/events");
    IcebergCatalog.register(spark(), config(s3.endpoint(), iceberg));
    Dataset<Row> archived = spark().table(catalog + ".raw.events");
    long malformed = first.malformed() + second.malformed();
    assertThat(archived.count()).isEqualTo(2_500 - malformed);
    assertThat(archived.select("_kafka_partition", "_kafka_offset").distinct().count()).isEqualTo(archived.count());
    assertThat(spark().table(catalog + ".raw.events_quarantine").count()).isEqualTo(malformed);
    assertThat(dir.resolve("catalog.db")).as("the catalog's database").isNotEmptyFile();
  }

  /** Vacuum: {@code s3://} and {@code s3a://} (and a trailing slash) name the same objects when both go through S3A. */
  @Test
  void vacuumTakesS3AndS3aForTheSameObjects() throws Exception {
    Configuration conf = s3.hadoopConf(s3.endpoint());
    conf.set("fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
    conf.set("fs.s3a.impl.disable.cache", "false"); // one endpoint here: no S3A client per call
    String written = "s3a://" + S3MockServer.BUCKET + "/" + topic;
    String asked = "s3://" + S3MockServer.BUCKET + "/" + topic + "/";
    String file = "event_date=2026-11-25/part-0.parquet";
    String quarantined = "part-0-q.parquet";
    String orphan = "event_date=2026-11-25/part-failed-attempt.parquet";
    new HadoopCommitLog(written, conf).commit(Manifests.listing(0, written, written + "/_quarantine", List.of(file),
        List.of(quarantined)));
    FileSystem fs = new org.apache.hadoop.fs.Path(written).getFileSystem(conf);
    for (String f : List.of(file, "_quarantine/" + quarantined, orphan)) {
      try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path(written + "/" + f))) {
        o.write(new byte[] {1, 2, 3});
      }
    }
    // Objects cannot be back-dated: vacuum as if two days had passed.
    Vacuum.Result result = new Vacuum(new HadoopArchiveStorage(conf), root -> new HadoopCommitLog(root, conf))
        .run(new Vacuum.Request(asked, asked + "_quarantine", asked + "_archiver/checkpoint", Duration.ofDays(1),
            Instant.now().plus(Duration.ofDays(2)), false));
    assertThat(result.orphans()).extracting(ArchiveStorage.StoredFile::uri).containsExactly(asked + orphan);
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(written + "/" + file))).isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(written + "/_quarantine/" + quarantined))).isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(written + "/" + orphan))).isFalse();
  }

  private void awaitArchived(long records, CompletableFuture<Void> running) throws Exception {
    Instant deadline = Instant.now().plusSeconds(180);
    Configuration conf = s3.hadoopConf(s3.endpoint());
    while (Instant.now().isBefore(deadline)) {
      if (running.isDone()) {
        running.get();
        throw new AssertionError("the job stopped before archiving " + records + " records");
      }
      if (Archives.manifests(output, conf).stream().mapToLong(CommitManifest::numRecords).sum() >= records) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not " + records + " records archived in time");
  }

  private void run(ArchiverConfig config) {
    new ArchiveJob(spark(), config, List.of(), Clock.systemUTC(), BatchHook.NONE).run();
  }


  private DataGenerator.Result produce(long events, double malformed) {
    return Topics.produce(bootstrap, topic, events, malformed);
  }

  private Map<Integer, Long> ends() {
    return Topics.ends(bootstrap, topic);
  }

  private ArchiverConfig config(String endpoint, Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>(s3.s3aConf(endpoint));
    values.put("backpressure.max-records-per-batch", "800");
    values.putAll(extra);
    return Topics.config(bootstrap, topic, output, values);
  }
}
