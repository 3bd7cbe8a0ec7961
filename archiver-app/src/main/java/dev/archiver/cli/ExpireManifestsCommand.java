package dev.archiver.cli;

import dev.archiver.commit.DbtLedgers;
import dev.archiver.commit.ManifestExpiry;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code expire-manifests}: folds manifests older than {@code --older-than} into a summary and removes them, so the
 * log stops growing (README "The log's growth").
 */
final class ExpireManifestsCommand implements Command {
  @Override
  public String name() {
    return "expire-manifests";
  }

  @Override
  public String summary() {
    return "fold old manifests into _archiver/summary and remove them (status, catch-up and vacuum keep working)";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.value("older-than", "DURATION", "only manifests committed longer ago than this (required;"
            + " e.g. 90d)"))
        .addOption(Flags.flag("dry-run", "say what would be removed, change nothing"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    String raw = Flags.required(line, "older-than");
    Duration olderThan;
    try {
      olderThan = Durations.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--older-than: " + e.getMessage());
    }
    if (olderThan.compareTo(Duration.ofDays(1)) < 0) {
      throw new UsageException("--older-than " + raw + " is below a day: expire old history, e.g. 90d");
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    ArchiverEngine engine = context.engine().get();
    String output = config.output().path();
    OptionalLong applied = DbtLedgers.appliedByAll(engine.storage(config.sparkConf()), output);
    boolean dryRun = line.hasOption("dry-run");
    Instant now = Instant.now();
    ManifestExpiry.Result result = ManifestExpiry.run(engine.commitLog(output, config.sparkConf()),
        now.minus(olderThan), applied.orElse(Long.MAX_VALUE), now, dryRun);
    applied.ifPresent(b -> context.out().println("expire-manifests: dbt ledgers under " + DbtLedgers.DIR
        + " have applied batches up to " + b + "; later ones are kept for catch-up"));
    if (result.summary().isEmpty()) {
      context.out().println("expire-manifests: no manifest older than " + raw + " to expire");
      return 0;
    }
    context.out().printf("expire-manifests: %d manifest(s) %s, summary through batch %d (%d batches, %d records"
            + " archived)%s%n", result.removed().size(), dryRun ? "would be removed (dry run)" : "removed",
        result.summary().get().throughBatchId(), result.summary().get().totals().batches(),
        result.summary().get().totals().archived(), result.kept().isEmpty() ? ""
            : "; kept " + result.kept().size() + " manifest(s) recording data loss");
    return 0;
  }
}
