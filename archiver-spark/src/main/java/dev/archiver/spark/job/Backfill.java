package dev.archiver.spark.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.archiver.ArchiverException;
import dev.archiver.InvalidInputException;
import dev.archiver.backpressure.IntakeDecision;
import dev.archiver.commit.BatchCommitter;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.OffsetRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.spark.checkpoint.OffsetLog;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.sink.ParquetArchiveSink;
import dev.archiver.vacuum.QuarantineClaims;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code archiver backfill}: re-reads from Kafka the offset ranges that committed batches of a live archive recorded,
 * with a Spark batch read ({@code startingOffsets}/{@code endingOffsets} per partition), and archives them into another
 * output through the job's own parse, sink and commit path, so each becomes a batch of the same id with a manifest of
 * its own. The live archive is only read (its manifests, and its checkpoint for the batches' planning times).
 */
public final class Backfill {
  private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final ArchiverConfig source;
  private final ArchiverConfig target;

  /** {@code source}: the live archive's config; {@code target}: the same with the other output's paths. */
  public Backfill(SparkSession spark, ArchiverConfig source, ArchiverConfig target) {
    this.spark = spark;
    this.source = source;
    this.target = target;
  }

  /** Backfills batches {@code from..to} (inclusive); see {@code ArchiverEngine#backfill} for the contract. */
  public List<CommitManifest> run(long from, long to) {
    if (from < 0 || to < from) {
      throw new InvalidInputException("--from-batch " + from + " --to-batch " + to + ": give 0 <= from <= to");
    }
    SparkSession session = spark.newSession();
    ArchiveJob.configure(session, target);
    Configuration hadoopConf = session.sessionState().newHadoopConf();
    checkOtherOutput(hadoopConf);
    List<CommitManifest> batches = committed(new HadoopCommitLog(source.output().path(), hadoopConf), from, to);
    checkKafkaHolds(batches);
    QuarantineClaims.claim(new HadoopArchiveStorage(hadoopConf), target.output().quarantine(),
        target.output().path());
    RecordParser parser = RecordParser.of(target.schema());
    List<CommitManifest> out = new ArrayList<>();
    try (HeldLease lease = HeldLease.acquire(target, hadoopConf, why -> LOG.error("backfill: {}", why))) {
      BatchCommitter<Dataset<Row>> committer = new BatchCommitter<>(
          new ParquetArchiveSink(target.output(), parser, hadoopConf),
          new HadoopCommitLog(target.output().path(), hadoopConf), List.of(), Clock.systemUTC(), lease.lease());
      Optional<OffsetLog> offsetLog = offsetLog(hadoopConf);
      for (CommitManifest m : batches) {
        if (m.offsets().isEmpty()) {
          LOG.info("backfill: batch {} read no partition; nothing to re-read", m.batchId());
          continue;
        }
        BatchContext context = new BatchContext(m.batchId(), queryId(m), m.offsets(),
            new IntakeDecision(Math.max(1, m.numRecords()), "backfill",
                "re-reads batch " + m.batchId() + " of " + source.output().path()),
            List.of(), List.of(), batchTime(offsetLog, m));
        CommitManifest written = committer.commit(context, read(session, m.offsets()));
        LOG.info("backfill: batch {}: {} archived, {} quarantined (source: {} archived, {} quarantined)",
            m.batchId(), written.numArchived(), written.numQuarantined(), m.numArchived(), m.numQuarantined());
        out.add(written);
      }
    }
    return out;
  }

  /**
   * Stable for a source query, so a rerun (after a crash, or an overlapping range) skips the batches already
   * backfilled instead of conflicting with them.
   */
  private static String queryId(CommitManifest m) {
    return "backfill-" + m.queryId();
  }

  private void checkOtherOutput(Configuration conf) {
    String live = qualified(source.output().path(), conf);
    String other = qualified(target.output().path(), conf);
    List<String> problems = new ArrayList<>();
    if (live.equals(other) || other.startsWith(live + "/") || live.startsWith(other + "/")) {
      problems.add("--output " + target.output().path() + " is (or nests with) the live archive " + live
          + ": backfill never writes into the live archive; choose another output");
    }
    String liveQuarantine = qualified(source.output().quarantine(), conf);
    if (qualified(target.output().quarantine(), conf).equals(liveQuarantine)) {
      problems.add("the backfill's quarantine is the live archive's (" + liveQuarantine + "); choose another output");
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
  }

  private List<CommitManifest> committed(CommitLog log, long from, long to) {
    List<CommitManifest> out = new ArrayList<>();
    List<Long> missing = new ArrayList<>();
    for (long b = from; b <= to; b++) {
      Optional<CommitManifest> m = log.read(b);
      if (m.isPresent()) {
        out.add(m.get());
      } else {
        missing.add(b);
      }
    }
    if (!missing.isEmpty()) {
      List<Long> ids = log.batchIds();
      String have = ids.isEmpty() ? "none" : ids.get(0) + ".." + ids.get(ids.size() - 1);
      throw new InvalidInputException("batch(es) " + span(missing) + " of " + source.output().path()
          + " are not committed (committed: " + have + "); backfill re-reads only committed batches");
    }
    return out;
  }

  /** Every range the batches need, against what each partition holds now: all shortfalls named at once. */
  private void checkKafkaHolds(List<CommitManifest> batches) {
    List<OffsetRange> needed = batches.stream().flatMap(m -> m.offsets().stream()).filter(r -> r.size() > 0)
        .toList();
    if (needed.isEmpty()) {
      return;
    }
    String topics = needed.stream().map(OffsetRange::topic).distinct().collect(Collectors.joining(","));
    Map<TopicPartition, Long> starts;
    Map<TopicPartition, Long> ends;
    try (KafkaAdmin admin = new KafkaAdmin(source.source().bootstrapServers(), source.source().kafkaOptions())) {
      starts = admin.startOffsets(Optional.of(topics), Optional.empty());
      ends = admin.endOffsets(Optional.of(topics), Optional.empty());
    }
    List<String> problems = new ArrayList<>();
    for (CommitManifest m : batches) {
      for (OffsetRange r : m.offsets()) {
        if (r.size() == 0) {
          continue;
        }
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Long start = starts.get(tp);
        Long end = ends.get(tp);
        String need = "batch " + m.batchId() + " needs " + r.topicPartition() + " [" + r.startOffset() + ", "
            + r.endOffset() + ")";
        if (start == null || end == null) {
          problems.add(need + " but the topic has no such partition now (deleted?)");
        } else if (start > r.startOffset()) {
          problems.add(need + " but Kafka holds it only from offset " + start + " (deleted by retention or"
              + " kafka-delete-records)");
        } else if (end < r.endOffset()) {
          problems.add(need + " but the partition ends at offset " + end + " (the topic was recreated or truncated)");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException("the topic no longer holds what the batches read, so backfill cannot re-read"
          + " them: " + String.join("; ", problems) + ". Backfill a range the topic still holds (bin/archiver"
          + " status shows the batches' offsets)");
    }
  }

  /** The Kafka records of exactly these ranges, in the columns the streaming source gives the parser. */
  private Dataset<Row> read(SparkSession session, List<OffsetRange> ranges) {
    ObjectNode assign = JSON.createObjectNode();
    ObjectNode starting = JSON.createObjectNode();
    ObjectNode ending = JSON.createObjectNode();
    for (OffsetRange r : ranges) {
      assign.withArray(r.topic()).add(r.partition());
      starting.with(r.topic()).put(Integer.toString(r.partition()), r.startOffset());
      ending.with(r.topic()).put(Integer.toString(r.partition()), r.endOffset());
    }
    ArchiverConfig.Source s = source.source();
    DataFrameReader reader = session.read().format("kafka")
        .option("kafka.bootstrap.servers", s.bootstrapServers())
        .option("assign", assign.toString())
        .option("startingOffsets", starting.toString())
        .option("endingOffsets", ending.toString())
        // A record deleted since the check above fails the backfill instead of leaving a gap in it.
        .option("failOnDataLoss", "true")
        .option("kafka.isolation.level", "read_committed");
    s.kafkaOptions().forEach((k, v) -> reader.option("kafka." + k, v));
    return reader.load();
  }

  /**
   * When the live job planned the batch (what {@code schema.event-time-bounds} measure from), from its checkpoint
   * when it still has the batch; else its manifest's commit time, moments later.
   */
  private static Instant batchTime(Optional<OffsetLog> log, CommitManifest m) {
    if (log.isPresent()) {
      try {
        return log.get().planned(m.batchId()).time();
      } catch (RuntimeException e) {
        LOG.debug("backfill: no planning time for batch {} in the checkpoint ({})", m.batchId(), e.getMessage());
      }
    }
    return m.committedAt();
  }

  private Optional<OffsetLog> offsetLog(Configuration conf) {
    try {
      return Optional.of(new OffsetLog(source.output().checkpoint(), conf));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String qualified(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).makeQualified(p).toString().replaceAll("/+$", "");
    } catch (IOException e) {
      throw new ArchiverException("cannot resolve " + path + ": " + e.getMessage(), e);
    }
  }

  private static String span(List<Long> ids) {
    Map<Long, Long> runs = new TreeMap<>();
    long first = -2;
    long last = -2;
    for (long id : ids) {
      if (id != last + 1) {
        first = id;
      }
      runs.put(first, id);
      last = id;
    }
    return runs.entrySet().stream().map(e -> e.getKey().equals(e.getValue()) ? "" + e.getKey()
        : e.getKey() + ".." + e.getValue()).collect(Collectors.joining(", "));
  }
}
