package dev.archiver.cli;

import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.vacuum.ArchiveStorage;
import dev.archiver.vacuum.Vacuum;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
        .addOption(Flags.value("older-than", "DURATION", "only files older than this (required; e.g. 24h): a batch"
            + " being written now is never touched"))
        .addOption(Flags.flag("dry-run", "list what would be deleted, delete nothing"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    Duration olderThan;
    try {
      olderThan = Durations.parse(Flags.required(line, "older-than"));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--older-than: " + e.getMessage());
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    ArchiverEngine engine = context.engine().get();
    List<CommitManifest> manifests = engine.commitLog(config.output().path(), config.sparkConf()).all();
    ArchiveStorage storage = engine.storage(config.sparkConf());
    boolean dryRun = line.hasOption("dry-run");
    Vacuum.Result result = new Vacuum(storage).run(List.of(config.output().path(), config.output().quarantine()),
        manifests, olderThan, Instant.now(), dryRun);
    result.orphans().forEach(f -> context.out().println((dryRun ? "would delete " : "deleted ") + f.uri()));
    context.out().printf("vacuum: %d orphan file(s), %d bytes %s; %d newer than %s kept; %d committed files "
            + "untouched%n", result.orphans().size(), result.orphanBytes(), dryRun ? "found (dry run)" : "deleted",
        result.keptYoung(), line.getOptionValue("older-than"), result.listed());
    return 0;
  }
}
