package dev.archiver.spark.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.OffsetRange;
import dev.archiver.compaction.LiveFiles;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.commit.HadoopCompactionLog;
import dev.archiver.spark.testing.Archives;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.Drivers;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compact} run twice while an archive job keeps committing small batches into the same closed partition (old
 * events): the job never stops or conflicts, and the archive's current files hold every offset exactly once.
 */
@ExtendWith(LocalKafkaExtension.class)
class CompactWhileRunningIT extends SparkIT {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;
  private final CapturedCli cli = new CapturedCli();
  private final Configuration conf = new Configuration();

  @Test
  void compactionBesideARunningJobKeepsEveryOffsetOnce(LocalKafka kafka) throws Exception {
    String topic = "compact-" + UUID.randomUUID();
    String output = dir.resolve("archive").toString();
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of())) {
      admin.createTopic(topic, 2);
    }
    // Events of three days ago: their partition is closed from the start.
    Instant start = LocalDate.now(ZoneOffset.UTC).minusDays(3).atStartOfDay(ZoneOffset.UTC).toInstant()
        .plusSeconds(3600);
    EventGenerator events = new EventGenerator(7, 0, start);
    produce(kafka.bootstrapServers(), topic, events, 0, 400);
    Path log = dir.resolve("driver.log");
    Process driver = Drivers.cli(log, Drivers.runArgs(kafka.bootstrapServers(), topic, output,
        "processing-time:500ms", 100, Map.of()));
    try {
      awaitCommitted(driver, log, output, kafka.bootstrapServers(), topic, 3);
      assertThat(cli.execute("compact", "--output", output, "--partition-older-than", "1d")).as(cli.err()).isZero();
      assertThat(new HadoopCompactionLog(output, conf).sequences()).as(cli.out()).isNotEmpty();

      produce(kafka.bootstrapServers(), topic, events, 400, 700);
      awaitCommitted(driver, log, output, kafka.bootstrapServers(), topic, Integer.MAX_VALUE);
      assertThat(cli.execute("compact", "--output", output, "--partition-older-than", "1d")).as(cli.err()).isZero();
      assertThat(driver.isAlive()).as("the job ran through both compactions, see %s", log).isTrue();
    } finally {
      driver.destroy();
      driver.waitFor(30, TimeUnit.SECONDS);
      driver.destroyForcibly().waitFor();
    }

    List<CommitManifest> manifests = Archives.manifests(output, conf);
    Archives.assertEveryOffsetCommittedOnce(manifests, Topics.ends(kafka.bootstrapServers(), topic));
    LiveFiles live = LiveFiles.of(manifests, new HadoopCompactionLog(output, conf).all());
    assertThat(live.replaced()).as("the compactions replaced batch files").isNotEmpty();
    assertThat(live.live().values().stream().mapToLong(DataFile::rows).sum()).isEqualTo(700);
    for (DataFile f : live.live().values()) {
      assertThat(Files.size(Path.of(output, f.path()))).as("current file %s is there whole", f.path())
          .isEqualTo(f.bytes());
    }
    Dataset<Row> rows = Archives.read(spark(), Path.of(output), live.live().keySet().stream()
        .map(p -> Path.of(output, p).toUri().toString()).toList()).select("_kafka_partition", "_kafka_offset");
    assertThat(rows.count()).isEqualTo(700);
    assertThat(rows.distinct().count()).as("no offset twice").isEqualTo(700);
  }

  private static void produce(String bootstrap, String topic, EventGenerator events, long from, long to) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
        new StringSerializer())) {
      for (long i = from; i < to; i++) {
        EventGenerator.Event e = events.next(i, i * 10);
        producer.send(new ProducerRecord<>(topic, (int) (i % 2), e.key(), e.value()));
      }
      producer.flush();
    }
  }

  /** Waits for at least {@code batches} manifests, or (MAX_VALUE) for every produced offset to be committed. */
  private static void awaitCommitted(Process driver, Path log, String output, String bootstrap, String topic,
      int batches) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      List<CommitManifest> manifests = Archives.manifests(output, new Configuration());
      Map<Integer, Long> ends = Topics.ends(bootstrap, topic);
      Map<Integer, Long> committed = manifests.stream().flatMap(m -> m.offsets().stream())
          .collect(Collectors.toMap(OffsetRange::partition, OffsetRange::endOffset, Math::max));
      if (batches == Integer.MAX_VALUE ? committed.equals(ends) : manifests.size() >= batches) {
        return;
      }
      assertThat(driver.isAlive()).as("driver alive, see %s: %s", log, Files.exists(log) ? tail(log) : "").isTrue();
      assertThat(System.nanoTime()).as("driver commits in time, see %s", log).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static String tail(Path log) throws java.io.IOException {
    String text = Files.readString(log);
    return text.substring(Math.max(0, text.length() - 3000));
  }
}
