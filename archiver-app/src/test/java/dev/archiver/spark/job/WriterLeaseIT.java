package dev.archiver.spark.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * One driver per output: a second driver is refused before it writes a file while the first one lives, and a driver
 * that stalled long enough to lose the output to another one publishes nothing when it wakes up.
 */
@ExtendWith(LocalKafkaExtension.class)
class WriterLeaseIT extends SparkIT {
  /** Kept when a test fails: the drivers' logs are in it. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void twoDriversRacingForOneOutputNeverBothPublish(LocalKafka kafka) throws Exception {
    String topic = "lease-" + UUID.randomUUID();
    DataGenerator.Result produced = Topics.produce(kafka.bootstrapServers(), topic, 6_000, 0.02);
    String output = dir.resolve("archive").toString();
    Path firstLog = dir.resolve("first.log");
    Process first = Drivers.cli(firstLog, Drivers.runArgs(kafka.bootstrapServers(), topic, output,
        "processing-time:200ms", 300, Map.of()));
    try {
      awaitManifests(first, firstLog, output, 2);

      // Another driver with a checkpoint of its own is refused before its query starts: no checkpoint, no file.
      Path otherCheckpoint = dir.resolve("other-checkpoint");
      Path otherLog = dir.resolve("other.log");
      Process other = Drivers.cli(otherLog, Drivers.runArgs(kafka.bootstrapServers(), topic, output,
          "available-now", 300, Map.of("output.checkpoint", otherCheckpoint.toString())));
      assertThat(other.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(other.exitValue()).as("refused, see %s", otherLog).isEqualTo(1);
      assertThat(Files.readString(otherLog)).contains("is being written by another driver")
          .contains("one driver writes an output at a time");
      assertThat(otherCheckpoint).as("the refused driver wrote nothing").doesNotExist();

      // The first driver stalls (SIGSTOP) mid-run; a second driver on its checkpoint takes over after the lease
      // timeout and archives to the end; then the first one wakes up.
      signal("STOP", first);
      Path secondLog = dir.resolve("second.log");
      Process second = Drivers.cli(secondLog, Drivers.runArgs(kafka.bootstrapServers(), topic, output,
          "available-now", 300, Map.of()));
      assertThat(second.waitFor(4, TimeUnit.MINUTES)).as("see %s", secondLog).isTrue();
      assertThat(second.exitValue()).as("see %s", secondLog).isZero();
      List<Long> beforeWakeUp = Archives.manifests(Path.of(output)).stream().map(CommitManifest::batchId).toList();
      signal("CONT", first);
      assertThat(first.waitFor(3, TimeUnit.MINUTES)).as("the stale driver stops, see %s", firstLog).isTrue();
      assertThat(first.exitValue()).as("see %s", firstLog).isNotZero();

      List<CommitManifest> manifests = Archives.manifests(Path.of(output));
      assertThat(manifests.stream().map(CommitManifest::batchId).toList()).as("the stale driver published nothing")
          .isEqualTo(beforeWakeUp);
      long secondEpoch = manifests.get(manifests.size() - 1).writerEpoch().orElseThrow();
      long firstOfSecond = manifests.stream().filter(m -> m.writerEpoch().orElseThrow() == secondEpoch)
          .mapToLong(CommitManifest::batchId).min().orElseThrow();
      assertThat(manifests).as("batches before the takeover by the first driver, after it by the second")
          .allSatisfy(m -> assertThat(m.writerEpoch().orElseThrow() == secondEpoch)
              .isEqualTo(m.batchId() >= firstOfSecond));
      Archives.assertExactlyOnce(spark(), manifests, Topics.ends(kafka.bootstrapServers(), topic),
          produced.malformed(), new Configuration());
    } finally {
      signal("CONT", first);
      first.destroyForcibly().waitFor();
    }
  }

  private static void awaitManifests(Process driver, Path log, String output, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (Archives.manifestCount(output, new Configuration()) < count) {
      assertThat(driver.isAlive()).as("driver alive, see %s", log).isTrue();
      assertThat(System.nanoTime()).as("batches committed in time, see %s", log).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void signal(String signal, Process process) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
  }
}
