package dev.archiver.spark.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalClusterExtension;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.S3Extension;
import dev.archiver.spark.testing.S3MockServer;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archiver on a real Spark standalone cluster (a master and two workers, each its own JVM), submitted with
 * spark-submit in both deploy modes, archiving to S3 from the executors: archive, quarantine, manifests and
 * checkpoint on s3a://. (The CLI as the driver, as bin/archiver runs it, is in {@link ClusterFaultsIT}.)
 */
@ExtendWith({LocalKafkaExtension.class, S3Extension.class, LocalClusterExtension.class})
class ClusterIT extends SparkIT {
  /** Kept when a test fails: the drivers' logs are in it. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void localClusterStatusReportsTheMasterAndItsWorkers(LocalClusterExtension.Cluster cluster) {
    assertThat(LocalClusterExtension.Cluster.cli("status", "--dir", cluster.dir().toString()))
        .contains("local Spark cluster running at " + cluster.masterUrl() + " with 2 workers");
  }

  @Test
  void sparkSubmitInClientModeArchivesToS3FromTheExecutors(LocalKafka kafka, S3MockServer s3,
      LocalClusterExtension.Cluster cluster) throws Exception {
    Archive archive = new Archive(kafka, s3, "client");
    Instant started = Instant.now();
    Process submit = Drivers.sparkSubmit(cluster, "client", dir.resolve("submit.log"), Drivers.s3aJars(), Map.of(),
        archive.runArgs(Map.of()));
    archive.assertRunsToTheEnd(submit, dir.resolve("submit.log"));
    assertThat(Clusters.executorLogsSince(cluster, started)).anySatisfy(log -> assertThat(log)
        .contains("Finished task"));
  }

  @Test
  void sparkSubmitInClusterModeRunsTheDriverOnAWorker(LocalKafka kafka, S3MockServer s3,
      LocalClusterExtension.Cluster cluster) throws Exception {
    Archive archive = new Archive(kafka, s3, "cluster");
    Instant started = Instant.now();
    Process submit = Drivers.sparkSubmit(cluster, "cluster", dir.resolve("submit.log"), Drivers.s3aJars(),
        Map.of(), archive.runArgs(Map.of()));
    archive.assertRunsToTheEnd(submit, dir.resolve("submit.log"));
    assertThat(Clusters.driverLogsSince(cluster, started)).as("the driver ran on a worker")
        .anySatisfy(log -> assertThat(log).contains("archiver: run finished"));
  }

  /** A topic of events with malformed ones, and its archive on S3. */
  private final class Archive {
    final LocalKafka kafka;
    final S3MockServer s3;
    final String topic;
    final String output;
    final DataGenerator.Result produced;

    Archive(LocalKafka kafka, S3MockServer s3, String name) {
      this.kafka = kafka;
      this.s3 = s3;
      this.topic = "cluster-" + name + "-" + UUID.randomUUID();
      this.output = "s3a://" + S3MockServer.BUCKET + "/" + topic;
      this.produced = Topics.produce(kafka.bootstrapServers(), topic, 3_000, 0.02);
    }

    List<String> runArgs(Map<String, String> extra) {
      Map<String, String> sets = new java.util.LinkedHashMap<>(s3.s3aConf(s3.endpoint()));
      sets.putAll(extra);
      return Drivers.runArgs(kafka.bootstrapServers(), topic, output, "available-now", 1_000, sets);
    }

    void assertRunsToTheEnd(Process driver, Path log) throws InterruptedException {
      assertThat(driver.waitFor(5, TimeUnit.MINUTES)).as("the run finishes, see %s", log).isTrue();
      assertThat(driver.exitValue()).as("exit code, see %s", log).isZero();
      List<CommitManifest> manifests = Archives.manifests(output, s3.hadoopConf(s3.endpoint()));
      assertThat(manifests).hasSizeGreaterThanOrEqualTo(3);
      assertThat(Archives.exists(output + "/_archiver/checkpoint/commits/0", s3.hadoopConf(s3.endpoint())))
          .as("the checkpoint is on S3 too").isTrue();
      s3.s3aConf(s3.endpoint()).forEach((k, v) -> spark().conf().set(k.substring("spark.hadoop.".length()), v));
      Archives.assertExactlyOnce(spark(), manifests, Topics.ends(kafka.bootstrapServers(), topic),
          produced.malformed(), s3.hadoopConf(s3.endpoint()));
    }
  }
}
