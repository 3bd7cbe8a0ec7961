package dev.archiver.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lpad;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.vacuum.QuarantineClaims;
import dev.archiver.spark.commit.HadoopArchiveStorage;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The archive job against a real broker and real Spark: what lands, where, and exactly once across crashes. */
@ExtendWith(LocalKafkaExtension.class)
class ArchiveJobIT extends SparkIT {
  private static String bootstrap;

  @TempDir
  Path dir;
  private String topic;
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
  }

  @Test
  void archivesEveryRecordOnceAndReadsItBackThroughTheManifests() {
    produce(3_000, 0);
    run(config(Map.of()), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests).as("a 1000-record limit splits 3000 records into batches").hasSizeGreaterThanOrEqualTo(3);
    assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(3_000);
    assertThat(announced).as("the listener hears of each batch once, in order")
        .isEqualTo(manifests.stream().map(CommitManifest::batchId).toList());
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());

    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests))
        .select(col("_kafka_partition").as("partition"), col("_kafka_offset").as("offset"), col("event_id"),
            col("latency_ms"), col("event_date"));
    Dataset<Row> expected = kafka().select(col("partition"), col("offset"),
        get_json_object(col("json"), "$.event_id").as("event_id"),
        get_json_object(col("json"), "$.latency_ms").cast("int").as("latency_ms"),
        get_json_object(col("json"), "$.event_time").cast("timestamp").cast("date").cast("string").as("event_date"));
    assertDataFrameNoOrderEquals(expected, archived.withColumn("event_date", col("event_date").cast("string")));

    assertThat(Archives.filesOnDisk(output)).as("no file outside the manifests")
        .isEqualTo(manifests.stream().flatMap(m -> m.files().stream().map(f -> f.path())).sorted().toList());
    assertThat(spark().read().parquet(output.toString()).count())
        .as("Spark reading the root sees the archive, not _quarantine or _archiver").isEqualTo(3_000);
    assertThat(timestampType(output.resolve(manifests.get(0).files().get(0).path()), "event_time"))
        .as("timestamps as INT64 microseconds, not the legacy INT96").isEqualTo("INT64 TIMESTAMP(MICROS,true)");
    HadoopArchiveStorage storage = new HadoopArchiveStorage(new Configuration());
    assertThat(QuarantineClaims.claimants(storage, output.resolve("_quarantine").toString()))
        .as("the job claimed its quarantine root, for vacuum").containsExactly(storage.qualify(output.toString()));
  }

  private static String timestampType(Path file, String column) {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
      PrimitiveType type = reader.getFooter().getFileMetaData().getSchema().getType(column).asPrimitiveType();
      return type.getPrimitiveTypeName() + " " + type.getLogicalTypeAnnotation();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aBatchOfOnlyBadRecordsWritesOnlyQuarantineFiles() {
    DataGenerator.Result produced = produce(200, 1.0);
    run(config(Map.of()), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests.stream().mapToLong(CommitManifest::numQuarantined).sum()).isEqualTo(produced.malformed())
        .isEqualTo(200);
    assertThat(Archives.archiveFiles(manifests)).isEmpty();
    assertThat(Archives.filesOnDisk(output)).as("no empty archive file opened for a partition of bad records")
        .isEmpty();
    assertThat(Archives.read(spark(), output.resolve("_quarantine"), Archives.quarantineFiles(manifests)).count())
        .isEqualTo(200);
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());
  }

  /**
   * The three issue-11 keys through the whole job: late rows counted against each batch's time (with a 1 ms horizon
   * the events produced before the query started are late), files rolled at a small target, one writer per partition
   * per batch, and every record still archived exactly once from the listed files.
   */
  @Test
  void lateRowsRolledFilesAndBoundedFanOutKeepEveryRecordOnce() {
    DataGenerator.Result produced = produce(2_000, 0.01);
    run(config(Map.of("output.late-after", "1ms", "output.target-file-size", "16k",
        "output.max-files-per-partition-per-batch", "1")), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    Archives.assertExactlyOnce(spark(), manifests, endOffsets(), produced.malformed(),
        spark().sessionState().newHadoopConf());
    for (CommitManifest m : manifests) {
      assertThat(m.lateBefore()).as("batch %s measured against its horizon", m.batchId()).isPresent();
      assertThat(m.lateRows()).as("batch %s", m.batchId()).isLessThanOrEqualTo(m.numArchived());
      assertThat(m.partitions()).as("late partitions are partitions the batch wrote")
          .containsAll(m.latePartitions().keySet());
      Map<String, Long> writers = m.files().stream().collect(java.util.stream.Collectors.groupingBy(
          f -> f.path().substring(0, f.path().lastIndexOf('/')) + " split "
              + f.path().substring(f.path().lastIndexOf('/') + 1).split("-")[2],
          java.util.stream.Collectors.counting()));
      assertThat(writers.keySet().stream().map(k -> k.substring(0, k.indexOf(" split "))).toList())
          .as("one writing task per partition in batch %s: %s", m.batchId(), writers).doesNotHaveDuplicates();
    }
    assertThat(manifests.stream().mapToLong(CommitManifest::lateRows).sum())
        .as("the events produced before the query ran are late by a 1 ms horizon").isPositive();
    assertThat(manifests.stream().flatMap(m -> m.files().stream()).filter(f -> f.path().contains("-r00")))
        .as("files rolled at the 16k target").isNotEmpty();
  }

  @Test
  void partitionsByEventHourWhenAsked() {
    produce(300, 0);
    run(config(Map.of("output.partition-by-hour", "true")), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    List<String> files = manifests.stream().flatMap(m -> m.files().stream().map(f -> f.path())).toList();
    assertThat(files).isNotEmpty().allMatch(f -> f.matches("event_date=\\d{4}-\\d{2}-\\d{2}/event_hour=\\d{2}/part-.*"));
    Dataset<Row> archived = Archives.read(spark(), output, Archives.archiveFiles(manifests));
    assertThat(archived.filter(date_format(col("event_time"), "HH").notEqual(
        lpad(col("event_hour").cast("string"), 2, "0"))).count()).as("each record in the folder of its event hour").isZero();
    assertThat(archived.count()).isEqualTo(300 - manifests.stream().mapToLong(CommitManifest::numQuarantined).sum());
  }

  @Test
  void quarantinesMalformedRecordsWithTheirRawValueAndCoordinates() {
    DataGenerator.Result produced = produce(2_000, 0.05);
    run(config(Map.of()), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    long quarantined = manifests.stream().mapToLong(CommitManifest::numQuarantined).sum();
    assertThat(quarantined).isEqualTo(produced.malformed()).isPositive();
    assertThat(manifests.stream().mapToLong(CommitManifest::numArchived).sum()).isEqualTo(2_000 - quarantined);

    Dataset<Row> bad = Archives.read(spark(), output.resolve("_quarantine"), Archives.quarantineFiles(manifests));
    assertThat(bad.filter(col("error").isNull()).count()).as("every quarantined record says why").isZero();
    assertThat(bad.select("error").distinct().collectAsList().stream().map(r -> r.getString(0)).toList())
        .anyMatch(e -> e.startsWith("malformed JSON")).anyMatch(e -> e.startsWith("missing required field(s)"));
    assertDataFrameNoOrderEquals(
        kafka().join(bad.select(col("_kafka_partition").as("partition"), col("_kafka_offset").as("offset")),
            new String[] {"partition", "offset"}).select("partition", "offset", "json"),
        bad.select(col("_kafka_partition").as("partition"), col("_kafka_offset").as("offset"),
            col("raw_value").as("json")));

    Dataset<Row> good = Archives.read(spark(), output, Archives.archiveFiles(manifests))
        .select("_kafka_partition", "_kafka_offset");
    Dataset<Row> all = good.union(bad.select("_kafka_partition", "_kafka_offset"));
    assertThat(all.count()).isEqualTo(2_000);
    assertThat(all.distinct().count()).as("each offset in exactly one of archive and quarantine").isEqualTo(2_000);
  }

  @Test
  void aRestartContinuesExactlyWhereTheLastRunStopped() {
    produce(1_500, 0);
    run(config(Map.of()), BatchHook.NONE);
    long firstRun = Archives.manifests(output).size();
    produce(1_500, 0);
    run(config(Map.of()), BatchHook.NONE);

    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests.size()).isGreaterThan((int) firstRun);
    assertThat(manifests.stream().map(CommitManifest::queryId).distinct()).as("one query across restarts")
        .hasSize(1);
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());
    assertNoDuplicates(manifests, 3_000);
  }

  @Test
  void aCrashAfterTheFilesBeforeTheManifestRewritesTheBatchOnRestart() {
    produce(3_000, 0.01);
    AtomicBoolean crashed = new AtomicBoolean();
    assertThatThrownBy(() -> run(config(Map.of()), (stage, batchId) -> {
      if (stage == BatchHook.Stage.AFTER_FILES && batchId == 1 && crashed.compareAndSet(false, true)) {
        throw new SimulatedCrash("simulated crash after the files of batch 1");
      }
    })).isInstanceOf(ArchiverException.class).hasMessageContaining("simulated crash");
    assertThat(Archives.manifests(output)).extracting(CommitManifest::batchId).containsExactly(0L);

    run(config(Map.of()), BatchHook.NONE);
    List<CommitManifest> manifests = Archives.manifests(output);
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());
    assertNoDuplicates(manifests, 3_000);
    List<String> listed = manifests.stream().flatMap(m -> m.files().stream().map(f -> f.path())).sorted().toList();
    List<String> onDisk = Archives.filesOnDisk(output);
    assertThat(onDisk).as("every listed file is there").containsAll(listed);
    assertThat(onDisk.stream().filter(f -> !listed.contains(f)).toList())
        .as("the crashed attempt's files stay unlisted orphans of batch 1 (vacuum removes them); the replay wrote"
            + " files of its own").isNotEmpty()
        .allSatisfy(f -> assertThat(f).contains("/part-00000000000000000001-"));
  }

  @Test
  void aCrashBetweenTheManifestAndSparksCommitIsSkippedOnReplay() throws Exception {
    produce(3_000, 0);
    AtomicBoolean crashed = new AtomicBoolean();
    assertThatThrownBy(() -> run(config(Map.of()), (stage, batchId) -> {
      if (stage == BatchHook.Stage.AFTER_COMMIT && batchId == 1 && crashed.compareAndSet(false, true)) {
        throw new SimulatedCrash("simulated crash after the manifest of batch 1");
      }
    })).isInstanceOf(ArchiverException.class);
    assertThat(Archives.manifests(output)).extracting(CommitManifest::batchId).containsExactly(0L, 1L);
    CommitManifest before = Archives.manifests(output).get(1);

    run(config(Map.of()), BatchHook.NONE);
    List<CommitManifest> manifests = Archives.manifests(output);
    assertThat(manifests.get(1)).as("the replayed batch kept its manifest").isEqualTo(before);
    assertNoDuplicates(manifests, 3_000);

    // As Iceberg tests it: drop Spark's last commit marker, add data, restart; nothing is written twice.
    Path commits = output.resolve("_archiver/checkpoint/commits");
    long last = manifests.get(manifests.size() - 1).batchId();
    Files.delete(commits.resolve(Long.toString(last)));
    Files.deleteIfExists(commits.resolve("." + last + ".crc"));
    produce(500, 0);
    run(config(Map.of()), BatchHook.NONE);
    manifests = Archives.manifests(output);
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());
    assertNoDuplicates(manifests, 3_500);
    assertThat(announced.stream().filter(id -> id == last)).as("the replayed batch was announced again").hasSize(2);
  }

  @Test
  void aNewCheckpointOnAnOutputOfAnotherQueryIsRefusedBeforeWriting() {
    produce(500, 0);
    run(config(Map.of()), BatchHook.NONE);
    List<String> filesBefore = Archives.filesOnDisk(output);
    assertThatThrownBy(() -> run(config(Map.of("output.checkpoint", dir.resolve("other-ckpt").toString())),
        BatchHook.NONE)).isInstanceOf(ArchiverException.class).hasMessageContaining("already committed by query");
    assertThat(Archives.filesOnDisk(output)).as("committed data untouched").isEqualTo(filesBefore);
  }

  @Test
  void aCheckpointRestoredFromAnOlderCopyStopsWhereItsOffsetsDifferFromTheManifests() throws Exception {
    produce(1_000, 0);
    run(config(Map.of()), BatchHook.NONE);
    Path checkpoint = output.resolve("_archiver/checkpoint");
    Path backup = dir.resolve("checkpoint-backup");
    copy(checkpoint, backup);
    produce(2_000, 0);
    run(config(Map.of()), BatchHook.NONE);
    List<String> filesBefore = Archives.filesOnDisk(output);
    int manifestsBefore = Archives.manifests(output).size();

    // The old copy comes back, and the next run plans batch 1 with another limit than the one that committed it.
    deleteRecursively(checkpoint);
    copy(backup, checkpoint);
    assertThatThrownBy(() -> run(config(Map.of("backpressure.max-records-per-batch", "700")), BatchHook.NONE))
        .isInstanceOf(ArchiverException.class).hasMessageContaining("batch 1 is committed with other offsets")
        .hasMessageContaining("Restore the checkpoint that wrote them");
    assertThat(Archives.filesOnDisk(output)).as("nothing written").isEqualTo(filesBefore);
    assertThat(Archives.manifests(output)).hasSize(manifestsBefore);
  }

  private static void copy(Path from, Path to) throws java.io.IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteRecursively(Path root) throws java.io.IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void twoArchivesSharingOneQuarantineRootNeverOverwriteEachOthersFiles() {
    String shared = dir.resolve("shared-quarantine").toString();
    DataGenerator.Result first = produce(1_000, 0.05);
    run(config(Map.of("output.quarantine", shared)), BatchHook.NONE);
    String otherTopic = topic;
    topic = "events-" + UUID.randomUUID();
    Path otherOutput = output;
    output = dir.resolve("second-archive");
    // Same seed, same events: without a write id of their own the files would have the same names.
    DataGenerator.Result second = produce(1_000, 0.05);
    run(config(Map.of("output.quarantine", shared)), BatchHook.NONE);

    for (Path archive : List.of(otherOutput, output)) {
      String t = archive.equals(output) ? topic : otherTopic;
      long malformed = archive.equals(output) ? second.malformed() : first.malformed();
      List<CommitManifest> manifests = Archives.manifests(archive);
      Archives.assertExactlyOnce(spark(), manifests, Topics.ends(bootstrap, t), malformed, new Configuration());
      assertThat(spark().read().parquet(Archives.quarantineFiles(manifests).toArray(String[]::new))
          .filter(col("_kafka_topic").notEqual(t)).count()).as("%s's quarantine files hold its own records", t)
          .isZero();
    }
  }

  @Test
  void theAdaptivePolicyCutsTheLimitAfterASlowBatchAndGrowsItBackWithoutARestart() {
    produce(14_000, 0);
    Map<String, String> adaptive = Map.of("backpressure.policy", "adaptive",
        "backpressure.max-records-per-batch", "4000", "backpressure.min-records-per-batch", "500",
        "backpressure.initial-records-per-batch", "1500", "backpressure.increase-records", "500",
        "backpressure.target-batch-duration", "10s", "backpressure.memory-budget-bytes", "64g");
    run(config(adaptive), (stage, batchId) -> {
      if (stage == BatchHook.Stage.AFTER_FILES && batchId == 2) {
        sleep(11_000); // the spike: one batch far slower than the target
      }
    });
    List<CommitManifest> manifests = Archives.manifests(output);
    List<Long> limits = manifests.stream().map(m -> Long.parseLong(m.intake().get("maxRecordsPerBatch"))).toList();
    assertThat(limits.subList(0, 4)).as("grows, grows, then the slow batch 2 halves it")
        .containsExactly(1_500L, 2_000L, 2_500L, 1_250L);
    assertThat(limits.get(4)).as("and it grows back").isEqualTo(1_750L);
    assertThat(manifests.get(3).intake().get("reason")).contains("over target 10000 ms");
    for (CommitManifest m : manifests.subList(0, manifests.size() - 1)) {
      long limit = Long.parseLong(m.intake().get("maxRecordsPerBatch"));
      assertThat(m.numRecords()).as("batch %d read what its limit allowed", m.batchId())
          .isBetween(limit * 9 / 10, limit);
    }
    assertThat(manifests.stream().map(CommitManifest::queryId).distinct()).as("no restart").hasSize(1);
    Archives.assertEveryOffsetCommittedOnce(manifests, endOffsets());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void assertNoDuplicates(List<CommitManifest> manifests, long expected) {
    Dataset<Row> good = Archives.read(spark(), output, Archives.archiveFiles(manifests))
        .select("_kafka_partition", "_kafka_offset");
    Dataset<Row> all = Archives.quarantineFiles(manifests).isEmpty() ? good : good.union(
        Archives.read(spark(), output.resolve("_quarantine"), Archives.quarantineFiles(manifests))
            .select("_kafka_partition", "_kafka_offset"));
    assertThat(all.count()).isEqualTo(expected);
    assertThat(all.distinct().count()).as("no record twice").isEqualTo(expected);
  }

  private Dataset<Row> kafka() {
    return spark().read().format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic)
        .option("startingOffsets", "earliest").load()
        .select(col("partition"), col("offset"), col("value").cast("string").as("json"));
  }

  private DataGenerator.Result produce(long events, double malformedRatio) {
    return Topics.produce(bootstrap, topic, events, malformedRatio);
  }

  private Map<Integer, Long> endOffsets() {
    return Topics.ends(bootstrap, topic);
  }

  private ArchiverConfig config(Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>(Map.of("backpressure.max-records-per-batch", "1000"));
    values.putAll(extra);
    return Topics.config(bootstrap, topic, output.toString(), values);
  }

  private void run(ArchiverConfig config, BatchHook hook) {
    new ArchiveJob(spark(), config, List.of(m -> announced.add(m.batchId())), Clock.systemUTC(), hook).run();
  }
}
