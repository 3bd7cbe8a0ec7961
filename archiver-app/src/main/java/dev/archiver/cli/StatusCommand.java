package dev.archiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.compaction.LiveFiles;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.Durations;
import dev.archiver.kafka.KafkaAdmin;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code status}: the last committed batch, its offsets, totals, and the lag of each partition behind Kafka. What the
 * manifests say always prints; the lag is the one thing that needs the broker, asked within {@code --timeout}: when
 * it does not answer, one line says so and the exit code is still 0 (the archive's state is known, only the lag is
 * not). {@code --json} prints the same as one JSON object.
 */
final class StatusCommand implements Command {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Override
  public String name() {
    return "status";
  }

  @Override
  public String summary() {
    return "show the last committed batch, records archived and the lag per partition";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options()).addOption(Flags.flag("no-lag", "do not ask Kafka for end offsets"))
        .addOption(Flags.value("timeout", "DURATION", "how long to wait for Kafka's end offsets (default "
            + Durations.human(DEFAULT_TIMEOUT) + "); without an answer the lag is reported unknown, exit code 0"))
        .addOption(Flags.flag("json", "print one JSON object (the facts, 'lag' per partition or null with"
            + " 'lagError') for scripts"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    Duration timeout = timeout(line);
    ArchiverConfig config = ConfigFlags.load(line);
    CommitLog log = context.engine().get().commitLog(config.output().path(), config.sparkConf());
    List<CommitManifest> manifests = log.all();
    List<CompactionManifest> compactions = context.engine().get()
        .compactionLog(config.output().path(), config.sparkConf()).all();
    if (line.hasOption("json")) {
      Lag lag = line.hasOption("no-lag") ? Lag.notAsked() : lag(config, committedEnds(manifests), timeout);
      context.out().println(json(config, manifests, compactions, lag).toPrettyString());
      return 0;
    }
    PrintStream out = context.out();
    out.println("output:              " + config.output().path());
    if (manifests.isEmpty()) {
      out.println("committed batches:   none yet");
    } else {
      CommitManifest last = manifests.get(manifests.size() - 1);
      out.println("committed batches:   " + manifests.size() + " (last: batch " + last.batchId() + " at "
          + last.committedAt() + ", query " + last.queryId() + ")");
      out.println("records archived:    " + manifests.stream().mapToLong(CommitManifest::numArchived).sum());
      out.println("records quarantined: " + manifests.stream().mapToLong(CommitManifest::numQuarantined).sum());
      // The files a manifest reader reads now: the batches' files as compactions rewrote them.
      LiveFiles live = LiveFiles.of(manifests, compactions);
      int files = live.live().size();
      long bytes = live.live().values().stream().mapToLong(DataFile::bytes).sum();
      out.println("files:               " + files + " (" + bytes + " bytes" + (files == 0 ? "" : "; average "
          + size(bytes / files) + "; last batch " + last.files().size() + " files, " + size(last.archivedBytes()))
          + ")");
      if (!compactions.isEmpty()) {
        CompactionManifest lastCompaction = compactions.get(compactions.size() - 1);
        out.println("compactions:         " + compactions.size() + " (last: compaction " + lastCompaction.sequence()
            + " at " + lastCompaction.committedAt() + " of " + String.join(", ", lastCompaction.partitions())
            + "); " + live.replaced().size() + " file(s) replaced, deleted by vacuum after its grace period");
      }
      printLate(out, manifests);
      List<CommitManifest> lossy = manifests.stream().filter(m -> !m.dataLoss().isEmpty()).toList();
      if (!lossy.isEmpty()) {
        out.println("DATA LOSS:           " + lossy.stream().flatMap(m -> m.dataLoss().stream())
            .mapToLong(OffsetRange::size).sum()
            + " records deleted in Kafka (retention, or a deletion) before they were archived, in batches "
            + lossy.stream().map(m -> Long.toString(m.batchId())).collect(Collectors.joining(", ")) + ": "
            + lossy.stream().flatMap(m -> m.dataLoss().stream())
                .map(r -> r.topicPartition() + " [" + r.startOffset() + ", " + r.endOffset() + ")")
                .collect(Collectors.joining(", ")));
      }
      for (CommitManifest m : manifests) {
        for (OffsetReset r : m.offsetResets()) {
          out.println("DATA LOSS:           " + r.topicPartition() + " went back from offset " + r.fromOffset()
              + " to " + r.toOffset() + " before batch " + m.batchId() + " (topic recreated or truncated): its"
              + " offsets [0, " + r.toOffset() + ") were not archived, and anything after " + r.fromOffset()
              + " in the old topic is gone");
        }
      }
      Map<String, Long> unknown = new java.util.TreeMap<>();
      manifests.forEach(m -> m.unknownFields().forEach((name, n) -> unknown.merge(name, n, Long::sum)));
      if (!unknown.isEmpty()) {
        // Kept in _extra (or quarantined): 'archiver schema suggest' prints the DDL that makes them columns.
        out.println("unknown fields:      " + unknown.entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + " records)").collect(Collectors.joining(", "))
            + "; see 'archiver schema suggest'");
      }
      last.schema().ifPresent(schema -> out.println("schema:              " + schema.fingerprint() + " "
          + schema.ddl()));
      if (!last.intake().isEmpty()) {
        out.println("intake:              " + intake(last.intake()));
      }
      out.println("last batch offsets:  " + last.offsets().stream()
          .map(r -> r.topicPartition() + " [" + r.startOffset() + ", " + r.endOffset() + ")")
          .collect(Collectors.joining(", ")));
    }
    if (!line.hasOption("no-lag")) {
      // The facts are out before Kafka is asked: a script reading the output has them even if it stops waiting.
      out.flush();
      printLag(out, "", config, committedEnds(manifests), timeout);
    }
    return 0;
  }

  /** {@code --timeout}, checked before anything is read: a positive duration. */
  static Duration timeout(CommandLine line) {
    String raw = line.getOptionValue("timeout");
    if (raw == null) {
      return DEFAULT_TIMEOUT;
    }
    Duration timeout;
    try {
      timeout = Durations.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--timeout: " + e.getMessage());
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new UsageException("--timeout: '" + raw + "' is not positive; use e.g. 5s");
    }
    return timeout;
  }

  /** The last batch's back-pressure decision, e.g. "at most 10000 records per batch (fixed: configured ...)". */
  static String intake(Map<String, String> intake) {
    String max = intake.get("maxRecordsPerBatch");
    String why = Stream.of(intake.get("policy"), intake.get("reason")).filter(java.util.Objects::nonNull)
        .collect(Collectors.joining(": "));
    String rest = intake.entrySet().stream()
        .filter(e -> !List.of("maxRecordsPerBatch", "policy", "reason").contains(e.getKey()))
        .sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
    return (max == null ? "no record limit" : "at most " + max + " records per batch")
        + (why.isEmpty() ? "" : " (" + why + ")") + (rest.isEmpty() ? "" : "; " + rest);
  }

  /**
   * How much arrives late (output.late-after): late rows of all batches against archived ones, and the partitions that
   * got the most, so an operator sees whether the horizon or upstream delivery needs a look.
   */
  private static void printLate(PrintStream out, List<CommitManifest> manifests) {
    List<CommitManifest> late = manifests.stream().filter(m -> !m.latePartitions().isEmpty()).toList();
    if (late.isEmpty()) {
      return;
    }
    long lateRows = late.stream().mapToLong(CommitManifest::lateRows).sum();
    long archived = manifests.stream().mapToLong(CommitManifest::numArchived).sum();
    Map<String, Long> byPartition = new java.util.TreeMap<>();
    late.forEach(m -> m.latePartitions().forEach((p, n) -> byPartition.merge(p, n, Long::sum)));
    out.println("late records:        " + lateRows + " of " + archived + " archived ("
        + String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * lateRows / Math.max(1, archived)) + "), in "
        + late.size() + " of " + manifests.size() + " batches; most in " + byPartition.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(5).map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
  }

  /** A size for people: bytes, KiB, MiB or GiB with one decimal (a 46 KB file is not "0.0 MiB"). */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes / 1024.0;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** The end offset committed for each partition: the latest manifest that covers it. */
  static Map<String, Long> committedEnds(List<CommitManifest> manifests) {
    return manifests.stream().flatMap(m -> m.offsets().stream())
        .collect(Collectors.toMap(OffsetRange::topicPartition, OffsetRange::endOffset, Math::max));
  }

  /**
   * Prints the lag per partition and in total, or one line saying why it is unknown; the total, or -1 when unknown.
   */
  static long printLag(PrintStream out, String indent, ArchiverConfig config, Map<String, Long> committed,
      Duration timeout) {
    Lag lag = lag(config, committed, timeout);
    if (lag.error().isPresent()) {
      out.println(indent + "lag:                 unknown: " + lag.error().get());
      return -1;
    }
    out.println(indent + "lag per partition:   " + lag.perPartition().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
    out.println(indent + "total lag:           " + lag.total());
    return lag.total();
  }

  /**
   * The lag of each partition behind the broker's end offsets, asked within {@code timeout}. Never throws for the
   * broker's sake: a broker that does not answer, refuses the archiver or does not know the topic is the error.
   */
  static Lag lag(ArchiverConfig config, Map<String, Long> committed, Duration timeout) {
    String broker = config.source().bootstrapServers();
    try (KafkaAdmin admin = new KafkaAdmin(broker, config.source().kafkaOptions(), timeout)) {
      Map<TopicPartition, Long> ends = admin.endOffsets(config.source().topic(), config.source().topicPattern());
      Map<String, Long> lag = new LinkedHashMap<>();
      ends.forEach((tp, end) -> lag.put(tp.toString(), Math.max(0, end - committed.getOrDefault(tp.toString(), 0L))));
      return new Lag(lag, Optional.empty());
    } catch (KafkaAdmin.NoAnswerException e) {
      return Lag.unknown("the broker at " + broker + " did not answer within " + Durations.human(e.timeout())
          + " (--timeout)");
    } catch (ArchiverException | KafkaException e) {
      return Lag.unknown("asking the broker at " + broker + " failed: " + ArchiverCli.oneLine(e));
    }
  }

  /** Lag per partition (topic-partition to records), or why it is unknown. */
  record Lag(Map<String, Long> perPartition, Optional<String> error) {
    static Lag unknown(String why) {
      return new Lag(Map.of(), Optional.of(why));
    }

    static Lag notAsked() {
      return unknown("not asked (--no-lag)");
    }

    long total() {
      return perPartition.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** {@code --json}: the facts the text shows, by name, and {@code lag} (null with {@code lagError} if unknown). */
  static ObjectNode json(ArchiverConfig config, List<CommitManifest> manifests, List<CompactionManifest> compactions,
      Lag lag) {
    ObjectNode root = JSON.createObjectNode();
    root.put("output", config.output().path());
    root.put("broker", config.source().bootstrapServers());
    root.put("committedBatches", manifests.size());
    CommitManifest last = manifests.isEmpty() ? null : manifests.get(manifests.size() - 1);
    if (last == null) {
      root.putNull("lastBatch");
    } else {
      ObjectNode batch = root.putObject("lastBatch");
      batch.put("batchId", last.batchId());
      batch.put("committedAt", last.committedAt().toString());
      batch.put("queryId", last.queryId());
      ArrayNode offsets = batch.putArray("offsets");
      last.offsets().forEach(r -> offsets.addObject().put("topic", r.topic()).put("partition", r.partition())
          .put("startOffset", r.startOffset()).put("endOffset", r.endOffset()));
      ObjectNode intake = batch.putObject("intake");
      new TreeMap<>(last.intake()).forEach(intake::put);
      last.schema().ifPresent(s -> batch.putObject("schema").put("fingerprint", s.fingerprint()).put("ddl", s.ddl()));
    }
    root.put("recordsArchived", manifests.stream().mapToLong(CommitManifest::numArchived).sum());
    root.put("recordsQuarantined", manifests.stream().mapToLong(CommitManifest::numQuarantined).sum());
    LiveFiles live = LiveFiles.of(manifests, compactions);
    root.put("files", live.live().size());
    root.put("fileBytes", live.live().values().stream().mapToLong(DataFile::bytes).sum());
    root.put("compactions", compactions.size());
    root.put("lateRecords", manifests.stream().mapToLong(CommitManifest::lateRows).sum());
    ArrayNode loss = root.putArray("dataLoss");
    manifests.forEach(m -> m.dataLoss().forEach(r -> loss.addObject().put("batchId", m.batchId())
        .put("topic", r.topic()).put("partition", r.partition()).put("startOffset", r.startOffset())
        .put("endOffset", r.endOffset())));
    ArrayNode resets = root.putArray("offsetResets");
    manifests.forEach(m -> m.offsetResets().forEach(r -> resets.addObject().put("batchId", m.batchId())
        .put("topic", r.topic()).put("partition", r.partition()).put("fromOffset", r.fromOffset())
        .put("toOffset", r.toOffset())));
    ObjectNode unknown = root.putObject("unknownFields");
    Map<String, Long> unknownFields = new TreeMap<>();
    manifests.forEach(m -> m.unknownFields().forEach((name, n) -> unknownFields.merge(name, n, Long::sum)));
    unknownFields.forEach(unknown::put);
    ObjectNode committed = root.putObject("committedOffsets");
    new TreeMap<>(committedEnds(manifests)).forEach(committed::put);
    if (lag.error().isPresent()) {
      root.putNull("lag");
      root.putNull("totalLag");
      root.put("lagError", lag.error().get());
    } else {
      ObjectNode perPartition = root.putObject("lag");
      lag.perPartition().forEach(perPartition::put);
      root.put("totalLag", lag.total());
      root.putNull("lagError");
    }
    return root;
  }
}
