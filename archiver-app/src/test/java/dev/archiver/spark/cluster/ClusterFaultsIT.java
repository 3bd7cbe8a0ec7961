package dev.archiver.spark.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.local.LocalSparkCluster;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalClusterExtension;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.S3Extension;
import dev.archiver.spark.testing.S3MockServer;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.StallingFileSystem;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What clusters do and local mode never shows, each followed by the exactly-once checks: executor JVMs killed in the
 * middle of batches, a whole worker lost, speculative attempts racing a straggler, and the driver SIGKILLed and
 * restarted. Every topic holds malformed records, so the quarantine is checked too. The driver is the archiver's CLI
 * in a JVM of its own with {@code spark.master=spark://...} (client mode), as {@code bin/archiver run} runs it.
 */
@ExtendWith({LocalKafkaExtension.class, S3Extension.class, LocalClusterExtension.class})
class ClusterFaultsIT extends SparkIT {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterFaultsIT.class);

  /** Kept when a test fails: the drivers' logs are in it. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void executorsKilledMidBatchLoseAndDuplicateNothing(LocalKafka kafka, S3MockServer s3,
      LocalClusterExtension.Cluster cluster) throws Exception {
    Random random = seeded();
    Topic topic = new Topic(kafka, "executor-kill", 6_000);
    String output = "s3a://" + S3MockServer.BUCKET + "/" + topic.name;
    Map<String, String> sets = new LinkedHashMap<>(s3.s3aConf(s3.endpoint()));
    sets.put("spark.master", cluster.masterUrl());
    Instant started = Instant.now();
    Path log = dir.resolve("driver.log");
    Process driver = Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic.name, output,
        "available-now", 500, sets));
    int kills = 0;
    for (int k = 0; k < 3; k++) {
      awaitManifests(driver, log, output, s3.hadoopConf(s3.endpoint()), 2 * k + 1);
      Thread.sleep(random.nextInt(1_500));
      List<ProcessHandle> executors = Clusters.executors(cluster);
      if (!executors.isEmpty() && driver.isAlive()) {
        ProcessHandle victim = executors.get(random.nextInt(executors.size()));
        LOG.info("SIGKILL executor pid {}", victim.pid());
        victim.destroyForcibly();
        kills++;
      }
    }
    assertFinishes(driver, log);
    assertThat(kills).as("executors were killed while batches ran").isEqualTo(3);
    assertThat(Clusters.executorLogsSince(cluster, started)).as("executors on the workers ran the tasks")
        .anySatisfy(l -> assertThat(l).contains("Finished task"));
    topic.assertExactlyOnce(output, s3.hadoopConf(s3.endpoint()), s3);
  }

  @Test
  void aWorkerLostMidRunLeavesTheArchiveExactlyOnce(LocalKafka kafka, LocalClusterExtension.Cluster cluster)
      throws Exception {
    Topic topic = new Topic(kafka, "worker-kill", 4_000);
    String output = dir.resolve("archive").toString();
    Path log = dir.resolve("driver.log");
    Process driver = Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic.name, output,
        "available-now", 500, Map.of("spark.master", cluster.masterUrl())));
    try {
      awaitManifests(driver, log, output, new Configuration(), 2);
      ProcessHandle worker = LocalSparkCluster.worker(cluster.dir(), 1).orElseThrow();
      LOG.info("SIGKILL worker 1, pid {}", worker.pid());
      worker.destroyForcibly();
      assertFinishes(driver, log);
    } finally {
      LocalSparkCluster.startWorker(cluster.dir(), 1, Duration.ofSeconds(120));
    }
    topic.assertExactlyOnce(output, new Configuration(), null);
  }

  @Test
  void speculativeAttemptsRacingAStragglerCommitOnlyOneCopy(LocalKafka kafka, LocalClusterExtension.Cluster cluster)
      throws Exception {
    Topic topic = new Topic(kafka, "speculation", 3_000);
    String output = dir.resolve("archive").toString();
    Path notes = dir.resolve("stalls.txt");
    Map<String, String> sets = new LinkedHashMap<>();
    sets.put("spark.master", cluster.masterUrl());
    sets.put("spark.executor.extraClassPath", Drivers.testsJar());
    sets.put("spark.hadoop.fs.file.impl", StallingFileSystem.class.getName());
    sets.put("spark.hadoop.fs.file.impl.disable.cache", "true");
    sets.put("spark.hadoop." + StallingFileSystem.NOTES, notes.toString());
    sets.put("spark.hadoop." + StallingFileSystem.STALL_MS, "30000");
    sets.put("spark.speculation", "true");
    sets.put("spark.speculation.interval", "100ms");
    sets.put("spark.speculation.quantile", "0.5");
    sets.put("spark.speculation.multiplier", "1.5");
    sets.put("spark.speculation.minTaskRuntime", "1s");
    Path log = dir.resolve("driver.log");
    Process driver = Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic.name, output,
        "available-now", 1_000, sets), Drivers.testsJar());
    assertFinishes(driver, log);
    String stalls = Files.exists(notes) ? Files.readString(notes) : "";
    assertThat(stalls).as("an original attempt stalled with its file open and was killed when its speculative copy"
        + " committed").contains("stalled stage").contains("killed stage");
    topic.assertExactlyOnce(output, new Configuration(), null);
  }

  @Test
  void theDriverSigkilledAndRestartedArchivesExactlyOnce(LocalKafka kafka, LocalClusterExtension.Cluster cluster)
      throws Exception {
    Random random = seeded();
    Topic topic = new Topic(kafka, "driver-kill", 4_000);
    String output = dir.resolve("archive").toString();
    Map<String, String> sets = Map.of("spark.master", cluster.masterUrl());
    for (int run = 0; run < 3; run++) {
      Path log = dir.resolve("driver-" + run + ".log");
      int before = Archives.manifests(Path.of(output)).size();
      Process driver = Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic.name, output,
          "processing-time:1s", 400, sets));
      awaitManifests(driver, log, output, new Configuration(), before + 1);
      Thread.sleep(random.nextInt(2_000));
      assertThat(driver.isAlive()).as("driver %d runs until killed, see %s", run, log).isTrue();
      driver.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook; the master drops its executors
      LOG.info("killed driver {}; {} batches committed", run, Archives.manifests(Path.of(output)).size());
    }
    Path log = dir.resolve("driver-last.log");
    assertFinishes(Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic.name, output, "available-now",
        400, sets)), log);
    topic.assertExactlyOnce(output, new Configuration(), null);
  }

  private static Random seeded() {
    long seed = System.nanoTime();
    LOG.info("fault schedule seed {}", seed);
    return new Random(seed);
  }

  private static void awaitManifests(Process driver, Path log, String output, Configuration conf, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (Archives.manifestCount(output, conf) < count) {
      assertThat(driver.isAlive()).as("driver alive, see %s", log).isTrue();
      assertThat(System.nanoTime()).as("%d batches committed in time, see %s", count, log).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void assertFinishes(Process driver, Path log) throws InterruptedException {
    assertThat(driver.waitFor(6, TimeUnit.MINUTES)).as("the run finishes, see %s", log).isTrue();
    assertThat(driver.exitValue()).as("exit code, see %s", log).isZero();
  }

  /** A topic of events, 2% of them malformed, and the checks of its archive. */
  private final class Topic {
    final String name;
    final LocalKafka kafka;
    final DataGenerator.Result produced;

    Topic(LocalKafka kafka, String prefix, long events) {
      this.kafka = kafka;
      this.name = prefix + "-" + UUID.randomUUID();
      this.produced = Topics.produce(kafka.bootstrapServers(), name, events, 0.02);
    }

    void assertExactlyOnce(String output, Configuration conf, S3MockServer s3) {
      if (s3 != null) {
        s3.s3aConf(s3.endpoint()).forEach((k, v) -> spark().conf().set(k.substring("spark.hadoop.".length()), v));
      }
      List<CommitManifest> manifests = Archives.manifests(output, conf);
      Archives.assertExactlyOnce(spark(), manifests, Topics.ends(kafka.bootstrapServers(), name),
          produced.malformed(), conf);
    }
  }
}
