package dev.archiver.cli;

import dev.archiver.InvalidInputException;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.compaction.Compactor;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ArchiverConfigKeys;
import dev.archiver.config.ConfigException;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code compact}: rewrites the small files of closed partitions into files of {@code output.target-file-size},
 * one compaction commit per partition ({@link Compactor}). Safe beside a running job: it takes no writer lease,
 * because the job only adds files and manifests, and compactions exclude each other by their sequence numbers.
 */
final class CompactCommand implements Command {
  @Override
  public String name() {
    return "compact";
  }

  @Override
  public String summary() {
    return "rewrite the small files of closed partitions into files of output.target-file-size";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.value("partition-older-than", "DURATION", "only partitions whose day (or hour) ended at"
            + " least this long ago (required; e.g. 1d): a partition still being written is left alone"))
        .addOption(Flags.value("target-file-size", "SIZE", "overrides " + ArchiverConfigKeys.TARGET_FILE_SIZE.name()
            + " (default " + ArchiverConfigKeys.TARGET_FILE_SIZE.defaultValue().orElseThrow() + ")"))
        .addOption(Flags.flag("dry-run", "list what would be compacted, write nothing"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    String raw = Flags.required(line, "partition-older-than");
    Duration olderThan;
    try {
      olderThan = Durations.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--partition-older-than: " + e.getMessage() + " (e.g. --partition-older-than 1d)");
    }
    if (olderThan.isNegative()) {
      throw new UsageException("--partition-older-than " + raw + " is negative; use e.g. 1d");
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    ConfigFlags.requireParquet(config, "compact", "--compact");
    long target = targetFileSize(line, config);
    String compression = config.output().compression();
    ArchiverEngine engine = context.engine().get();
    boolean dryRun = line.hasOption("dry-run");
    Compactor compactor = new Compactor(engine.commitLog(config.output().path(), config.sparkConf()),
        engine.compactionLog(config.output().path(), config.sparkConf()),
        engine.rewriter(config.sparkConf(), compression), () -> UUID.randomUUID().toString(), Clock.systemUTC());
    Compactor.Result result;
    try {
      result = compactor.run(new Compactor.Request(config.output().path(), olderThan, target,
          engine.fileSuffix(compression), dryRun));
    } catch (InvalidInputException e) {
      throw new UsageException(e.getMessage());
    }
    result.notes().forEach(n -> context.out().println("compact: " + n));
    if (dryRun) {
      result.plans().forEach(p -> context.out().println("would compact " + p.partition() + ": " + p.files()
          + " file(s) into " + p.groups().size()));
    }
    for (CompactionManifest c : result.committed()) {
      context.out().println("compacted " + c.partitions() + ": " + c.replaced().size() + " file(s) into "
          + c.files().size() + ", " + c.rows() + " rows (compaction " + c.sequence() + ")");
    }
    context.out().printf("compact: %d partition(s) %s%n", dryRun ? result.plans().size() : result.committed().size(),
        dryRun ? "to compact (dry run)" : "compacted");
    return 0;
  }

  private static long targetFileSize(CommandLine line, ArchiverConfig config) {
    var key = ArchiverConfigKeys.TARGET_FILE_SIZE;
    String raw = Flags.string(line, "target-file-size")
        .or(() -> java.util.Optional.ofNullable(config.values().get(key.name())))
        .orElse(key.defaultValue().orElseThrow());
    try {
      return (Long) key.type().parse(raw);
    } catch (IllegalArgumentException | ConfigException e) {
      throw new UsageException((line.hasOption("target-file-size") ? "--target-file-size" : key.name()) + ": "
          + e.getMessage() + " (e.g. 128m)");
    }
  }
}
