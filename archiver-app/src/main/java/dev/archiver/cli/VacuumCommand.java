package dev.archiver.cli;

import dev.archiver.InvalidInputException;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.vacuum.ArchiveStorage;
import dev.archiver.vacuum.Vacuum;
import java.time.Duration;
import java.time.Instant;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code vacuum}: deletes files of failed attempts, which no committed manifest lists. */
final class VacuumCommand implements Command {
  @Override
  public String name() {
    return "vacuum";
  }

  @Override
  public String summary() {
    return "delete archive files no committed manifest lists (files of failed attempts)";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.value("older-than", "DURATION", "only files older than this (required; e.g. 24h; at least"
            + " the job's retry window plus an hour): a batch being written or retried now is never touched"))
        .addOption(Flags.flag("dry-run", "list what would be deleted, delete nothing"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    Duration olderThan;
    String raw = Flags.required(line, "older-than");
    try {
      olderThan = Durations.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--older-than: " + e.getMessage());
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    ConfigFlags.requireParquet(config, "vacuum", "--remove-orphans");
    Duration minimum = Vacuum.minimumOlderThan(config.output());
    if (olderThan.compareTo(minimum) < 0) {
      throw new UsageException("--older-than " + raw + " is below this job's minimum of " + Durations.human(minimum)
          + ": a batch's files stay uncommitted while it is retried and its query restarted (commit.retry.num-retries "
          + config.output().retries() + ", commit.retry.initial-wait "
          + Durations.human(config.output().retryWait()) + "), and files that young may still be committed");
    }
    ArchiverEngine engine = context.engine().get();
    ArchiveStorage storage = engine.storage(config.sparkConf());
    boolean dryRun = line.hasOption("dry-run");
    Vacuum.Result result;
    try {
      result = new Vacuum(storage, root -> engine.commitLog(root, config.sparkConf()),
          root -> engine.compactionLog(root, config.sparkConf())).run(new Vacuum.Request(
          config.output().path(), config.output().quarantine(), config.output().checkpoint(), olderThan,
          Instant.now(), dryRun));
    } catch (InvalidInputException e) {
      throw new UsageException(e.getMessage());
    }
    result.notes().forEach(n -> context.out().println("vacuum: " + n));
    result.orphans().forEach(f -> context.out().println((dryRun ? "would delete " : "deleted ") + f.uri()));
    context.out().printf("vacuum: %d orphan file(s), %d bytes %s; %d newer than %s kept; %d changed since the"
            + " listing kept; %d committed files untouched%n", result.orphans().size(), result.orphanBytes(),
        dryRun ? "found (dry run)" : "deleted", result.keptYoung(), raw, result.changedSinceListing(),
        result.committedFiles());
    return 0;
  }
}
