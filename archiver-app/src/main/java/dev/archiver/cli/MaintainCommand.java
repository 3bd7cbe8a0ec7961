package dev.archiver.cli;

import dev.archiver.InvalidInputException;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ArchiverConfigKeys;
import dev.archiver.config.ConfigException;
import dev.archiver.config.Durations;
import dev.archiver.maintenance.MaintenanceReport;
import dev.archiver.maintenance.MaintenanceRequest;
import java.time.Duration;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code maintain}: a table format's own maintenance on the archive and quarantine tables (Iceberg's rewrite of data
 * files, snapshot expiry, orphan removal). Takes no writer lease: the table format's optimistic commits keep a running
 * archiver's appends, and the archiver's exactly-once check passes over maintenance snapshots.
 */
final class MaintainCommand implements Command {
  @Override
  public String name() {
    return "maintain";
  }

  @Override
  public String summary() {
    return "compact, expire snapshots and remove orphan files of an Iceberg archive (output.format: iceberg)";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.flag("compact", "rewrite small data files into files of output.target-file-size"))
        .addOption(Flags.flag("expire-snapshots", "drop snapshots older than --older-than (the latest stays) and"
            + " the files only they reference"))
        .addOption(Flags.flag("remove-orphans", "delete files no snapshot references, older than --older-than"))
        .addOption(Flags.value("older-than", "DURATION", "age of snapshots to expire and orphans to remove"
            + " (default 7d; time travel reaches back this far)"))
        .addOption(Flags.value("target-file-size", "SIZE", "overrides " + ArchiverConfigKeys.TARGET_FILE_SIZE.name()));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    String raw = Flags.string(line, "older-than").orElse("7d");
    Duration olderThan;
    try {
      olderThan = Durations.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--older-than: " + e.getMessage() + " (e.g. --older-than 7d)");
    }
    boolean compact = line.hasOption("compact");
    boolean expire = line.hasOption("expire-snapshots");
    boolean orphans = line.hasOption("remove-orphans");
    if (!compact && !expire && !orphans) {
      throw new UsageException("say what to do: --compact, --expire-snapshots and/or --remove-orphans");
    }
    if (olderThan.isNegative()) {
      throw new UsageException("--older-than " + raw + " is negative; use e.g. 7d");
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    long target = targetFileSize(line, config);
    List<MaintenanceReport> reports;
    try {
      reports = context.engine().get().maintain(config, new MaintenanceRequest(compact, expire, orphans, olderThan,
          target));
    } catch (InvalidInputException e) {
      throw new UsageException(e.getMessage());
    }
    context.out().print(MaintenanceReport.describe(reports));
    return 0;
  }

  private static long targetFileSize(CommandLine line, ArchiverConfig config) {
    var key = ArchiverConfigKeys.TARGET_FILE_SIZE;
    String value = Flags.string(line, "target-file-size")
        .or(() -> java.util.Optional.ofNullable(config.values().get(key.name())))
        .orElse(key.defaultValue().orElseThrow());
    try {
      return (Long) key.type().parse(value);
    } catch (IllegalArgumentException | ConfigException e) {
      throw new UsageException("--target-file-size: " + e.getMessage() + " (e.g. 128m)");
    }
  }
}
