package dev.archiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.ManifestTotals;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.compaction.ArchiveState;
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
    // The newest manifest's running totals, the lossy batches' manifests and the compactions: not the whole log.
    ArchiveState state = ArchiveState.read(log, context.engine().get()
        .compactionLog(config.output().path(), config.sparkConf()));
    if (line.hasOption("json")) {
      Lag lag = line.hasOption("no-lag") ? Lag.notAsked() : lag(config, state.committedOffsets(), timeout);
      context.out().println(json(config, state, lag).toPrettyString());
      return 0;
    }
    PrintStream out = context.out();
    out.println("output:              " + config.output().path());
    if (state.last().isEmpty()) {
      out.println("committed batches:   none yet");
    } else {
      CommitManifest last = state.last().get();
      ManifestTotals totals = state.totals();
      out.println("committed batches:   " + totals.batches() + " (last: batch " + last.batchId() + " at "
          + last.committedAt() + ", query " + last.queryId() + ")");
      out.println("records archived:    " + totals.archived());
      out.println("records quarantined: " + totals.quarantined());
      // The files a manifest reader reads now: the batches' files as compactions rewrote them.
      long files = state.files();
      long bytes = state.bytes();
      out.println("files:               " + files + " (" + bytes + " bytes" + (files == 0 ? "" : "; average "
          + size(bytes / files) + "; last batch " + last.files().size() + " files, " + size(last.archivedBytes()))
          + ")");
      List<CompactionManifest> compactions = state.compactions();
      if (!compactions.isEmpty()) {
        CompactionManifest lastCompaction = compactions.get(compactions.size() - 1);
        out.println("compactions:         " + compactions.size() + " (last: compaction " + lastCompaction.sequence()
            + " at " + lastCompaction.committedAt() + " of " + String.join(", ", lastCompaction.partitions())
            + "); " + state.replacedFiles() + " file(s) replaced, deleted by vacuum after its grace period");
      }
      printLate(out, totals);
      List<CommitManifest> lossy = state.lossy().stream().filter(m -> !m.dataLoss().isEmpty()).toList();
      if (!lossy.isEmpty()) {
        out.println("DATA LOSS:           " + lossy.stream().flatMap(m -> m.dataLoss().stream())
            .mapToLong(OffsetRange::size).sum()
            + " records deleted in Kafka (retention, or a deletion) before they were archived, in batches "
            + lossy.stream().map(m -> Long.toString(m.batchId())).collect(Collectors.joining(", ")) + ": "
            + lossy.stream().flatMap(m -> m.dataLoss().stream())
                .map(r -> r.topicPartition() + " [" + r.startOffset() + ", " + r.endOffset() + ")")
                .collect(Collectors.joining(", ")));
      }
      for (CommitManifest m : state.lossy()) {
        for (OffsetReset r : m.offsetResets()) {
          out.println("DATA LOSS:           " + r.topicPartition() + " went back from offset " + r.fromOffset()
              + " to " + r.toOffset() + " before batch " + m.batchId() + " (topic recreated or truncated): its"
              + " offsets [0, " + r.toOffset() + ") were not archived, and anything after " + r.fromOffset()
              + " in the old topic is gone");
        }
      }
      Map<String, Long> unknown = totals.unknownFields();
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
      printLag(out, "", config, state.committedOffsets(), timeout);
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
  private static void printLate(PrintStream out, ManifestTotals totals) {
    if (totals.lateBatches() == 0) {
      return;
    }
    long lateRows = totals.lateRecords();
    long archived = totals.archived();
    out.println("late records:        " + lateRows + " of " + archived + " archived ("
        + String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * lateRows / Math.max(1, archived)) + "), in "
        + totals.lateBatches() + " of " + totals.batches() + " batches; most in " + totals.latePartitions().entrySet()
            .stream()
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
  static ObjectNode json(ArchiverConfig config, ArchiveState state, Lag lag) {
    ObjectNode root = JSON.createObjectNode();
    ManifestTotals totals = state.totals();
    root.put("output", config.output().path());
    root.put("broker", config.source().bootstrapServers());
    root.put("committedBatches", totals.batches());
    CommitManifest last = state.last().orElse(null);
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
    root.put("recordsArchived", totals.archived());
    root.put("recordsQuarantined", totals.quarantined());
    root.put("files", state.files());
    root.put("fileBytes", state.bytes());
    root.put("compactions", state.compactions().size());
    root.put("lateRecords", totals.lateRecords());
    ArrayNode loss = root.putArray("dataLoss");
    state.lossy().forEach(m -> m.dataLoss().forEach(r -> loss.addObject().put("batchId", m.batchId())
        .put("topic", r.topic()).put("partition", r.partition()).put("startOffset", r.startOffset())
        .put("endOffset", r.endOffset())));
    ArrayNode resets = root.putArray("offsetResets");
    state.lossy().forEach(m -> m.offsetResets().forEach(r -> resets.addObject().put("batchId", m.batchId())
        .put("topic", r.topic()).put("partition", r.partition()).put("fromOffset", r.fromOffset())
        .put("toOffset", r.toOffset())));
    ObjectNode unknown = root.putObject("unknownFields");
    totals.unknownFields().forEach(unknown::put);
    ObjectNode committed = root.putObject("committedOffsets");
    new TreeMap<>(state.committedOffsets()).forEach(committed::put);
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
