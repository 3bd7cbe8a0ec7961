package dev.archiver.cli;

import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.compaction.LiveFiles;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.KafkaAdmin;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.kafka.common.TopicPartition;

/** {@code status}: the last committed batch, its offsets, totals, and the lag of each partition behind Kafka. */
final class StatusCommand implements Command {
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
    return ConfigFlags.addTo(new Options()).addOption(Flags.flag("no-lag", "do not ask Kafka for end offsets"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    ArchiverConfig config = ConfigFlags.load(line);
    CommitLog log = context.engine().get().commitLog(config.output().path(), config.sparkConf());
    List<CommitManifest> manifests = log.all();
    List<CompactionManifest> compactions = context.engine().get()
        .compactionLog(config.output().path(), config.sparkConf()).all();
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
      out.println("last batch offsets:  " + last.offsets().stream()
          .map(r -> r.topicPartition() + " [" + r.startOffset() + ", " + r.endOffset() + ")")
          .collect(Collectors.joining(", ")));
    }
    if (!line.hasOption("no-lag")) {
      printLag(out, "", config, committedEnds(manifests));
    }
    return 0;
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

  static long printLag(PrintStream out, String indent, ArchiverConfig config, Map<String, Long> committed) {
    try (KafkaAdmin admin = new KafkaAdmin(config.source().bootstrapServers(), config.source().kafkaOptions())) {
      Map<TopicPartition, Long> ends = admin.endOffsets(config.source().topic(), config.source().topicPattern());
      long total = 0;
      StringBuilder parts = new StringBuilder();
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        long lag = Math.max(0, e.getValue() - committed.getOrDefault(e.getKey().toString(), 0L));
        total += lag;
        parts.append(parts.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(lag);
      }
      out.println(indent + "lag per partition:   " + parts);
      out.println(indent + "total lag:           " + total);
      return total;
    }
  }
}
