package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.S3Extension;
import dev.archiver.spark.testing.S3MockServer;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archiver as a separate driver process on S3, killed with SIGKILL at random moments of its batches (before a
 * write, mid-write, between the files and the manifest, after the manifest) and restarted each time; then run to
 * the end. The committed manifests must cover every offset once and their files hold every record once.
 */
@ExtendWith({LocalKafkaExtension.class, S3Extension.class})
class DriverKillIT extends SparkIT {
  private static final Logger LOG = LoggerFactory.getLogger(DriverKillIT.class);
  private static final int KILLS = 6;

  /** Kept when a test fails: the drivers' logs are in it. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void sixSigkillsAtRandomPointsLeaveEveryRecordCommittedExactlyOnce(LocalKafka kafka, S3MockServer s3)
      throws Exception {
    long seed = System.nanoTime();
    LOG.info("kill schedule seed {}", seed);
    Random random = new Random(seed);
    String topic = "kill-" + UUID.randomUUID();
    String output = "s3a://" + S3MockServer.BUCKET + "/" + topic;
    produce(kafka.bootstrapServers(), topic, 12_000);
    int killedWhileRunning = killRepeatedly(kafka, s3, topic, output, KILLS, Map.of(), random);
    Process last = start(kafka.bootstrapServers(), topic, output, s3, "available-now", KILLS, Map.of());
    assertThat(last.waitFor(5, TimeUnit.MINUTES)).as("the last run finishes, see %s", log(KILLS)).isTrue();
    assertThat(last.exitValue()).as("see %s", log(KILLS)).isZero();

    List<CommitManifest> manifests = Archives.manifests(output, s3.hadoopConf(s3.endpoint()));
    assertThat(killedWhileRunning).isEqualTo(KILLS);
    Archives.assertEveryOffsetCommittedOnce(manifests, ends(kafka.bootstrapServers(), topic));
    s3.s3aConf(s3.endpoint()).forEach((k, v) -> spark().conf().set(k.substring("spark.hadoop.".length()), v));
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests))
        .select("_kafka_partition", "_kafka_offset");
    assertThat(archived.count()).isEqualTo(12_000 + KILLS * 500);
    assertThat(archived.distinct().count()).as("no record twice").isEqualTo(12_000 + KILLS * 500);
  }

  /** Starts and SIGKILLs a driver {@code kills} times, producing 500 events after each kill; the kills that hit. */
  private int killRepeatedly(LocalKafka kafka, S3MockServer s3, String topic, String output, int kills,
      Map<String, String> sets, Random random) throws Exception {
    int killedWhileRunning = 0;
    for (int i = 0; i < kills; i++) {
      int committedBefore = Archives.manifests(output, s3.hadoopConf(s3.endpoint())).size();
      Process driver = start(kafka.bootstrapServers(), topic, output, s3, "processing-time:500ms", i, sets);
      try {
        // Most kills land within the batches after this run's first commit (batches take about a second);
        // some land while the driver starts or replays, before it commits anything.
        if (random.nextInt(5) > 0) {
          awaitCommit(driver, output, s3, committedBefore, i);
        }
        long at = random.nextInt(3_000);
        boolean exited = driver.waitFor(at, TimeUnit.MILLISECONDS);
        assertThat(exited).as("driver %d runs until killed (exit %s), see %s", i,
            exited ? driver.exitValue() : "-", log(i)).isFalse();
        driver.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
        killedWhileRunning++;
        LOG.info("killed driver {} {} ms later; {} batches committed so far", i, at,
            Archives.manifests(output, s3.hadoopConf(s3.endpoint())).size());
      } finally {
        driver.destroyForcibly().waitFor();
      }
      produce(kafka.bootstrapServers(), topic, 500);
    }
    return killedWhileRunning;
  }

  @Test
  @Disabled("not run yet: uses the s3a + SQLite JDBC catalog setup whose S3ArchiveIT test fails (see there)")
  void sigkillsOfAnIcebergArchiveOnS3LeaveEveryRecordInTheTableOnce(LocalKafka kafka, S3MockServer s3)
      throws Exception {
    long seed = System.nanoTime();
    LOG.info("iceberg kill schedule seed {}", seed);
    String topic = "kill-iceberg-" + UUID.randomUUID();
    String output = "s3a://" + S3MockServer.BUCKET + "/" + topic;
    String catalog = "k" + UUID.randomUUID().toString().replace("-", "");
    Map<String, String> iceberg = Map.of("output.format", "iceberg", "output.iceberg.table", "raw.events",
        "output.iceberg.catalog-type", "jdbc", "output.iceberg.catalog-name", catalog,
        "output.iceberg.catalog-uri", "jdbc:sqlite:" + dir.resolve("catalog.db"),
        "output.iceberg.warehouse", output + "/warehouse");
    produce(kafka.bootstrapServers(), topic, 4_000);
    int kills = 2;
    assertThat(killRepeatedly(kafka, s3, topic, output, kills, iceberg, new Random(seed))).isEqualTo(kills);
    Process last = start(kafka.bootstrapServers(), topic, output, s3, "available-now", kills, iceberg);
    assertThat(last.waitFor(5, TimeUnit.MINUTES)).as("the last run finishes, see %s", log(kills)).isTrue();
    assertThat(last.exitValue()).as("see %s", log(kills)).isZero();

    List<CommitManifest> manifests = Archives.manifests(output, s3.hadoopConf(s3.endpoint()));
    Archives.assertEveryOffsetCommittedOnce(manifests, ends(kafka.bootstrapServers(), topic));
    Map<String, String> conf = new java.util.LinkedHashMap<>(s3.s3aConf(s3.endpoint()));
    conf.forEach((k, v) -> spark().conf().set(k.substring("spark.hadoop.".length()), v));
    conf.putAll(iceberg);
    dev.archiver.spark.iceberg.IcebergCatalog.register(spark(), Topics.config(kafka.bootstrapServers(), topic, output,
        conf));
    Dataset<Row> archived = spark().table(catalog + ".raw.events").select("_kafka_partition", "_kafka_offset");
    long expected = 4_000 + kills * 500;
    assertThat(archived.count()).isEqualTo(expected);
    assertThat(archived.distinct().count()).as("no record twice").isEqualTo(expected);
    assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(expected);
  }

  private void awaitCommit(Process driver, String output, S3MockServer s3, int before, int run)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (Archives.manifests(output, s3.hadoopConf(s3.endpoint())).size() <= before) {
      assertThat(driver.isAlive()).as("driver %d alive, see %s", run, log(run)).isTrue();
      assertThat(System.nanoTime()).as("driver %d commits a batch in time, see %s", run, log(run))
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private Process start(String bootstrap, String topic, String output, S3MockServer s3, String trigger, int run,
      Map<String, String> sets) {
    Map<String, String> all = new java.util.LinkedHashMap<>(s3.s3aConf(s3.endpoint()));
    all.putAll(sets);
    return Drivers.cli(log(run), Drivers.runArgs(bootstrap, topic, output, trigger, 700, all));
  }

  private Path log(int run) {
    return dir.resolve("driver-" + run + ".log");
  }


  private static void produce(String bootstrap, String topic, long events) {
    Topics.produce(bootstrap, topic, events, 0);
  }

  private static Map<Integer, Long> ends(String bootstrap, String topic) {
    return Topics.ends(bootstrap, topic);
  }
}
