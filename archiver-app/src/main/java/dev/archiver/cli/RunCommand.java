package dev.archiver.cli;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigException;
import dev.archiver.config.ConfigError;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.listener.CommitListeners;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code run}: validates the config, then runs the streaming job until caught up (or forever). */
final class RunCommand implements Command {
  @Override
  public String name() {
    return "run";
  }

  @Override
  public String summary() {
    return "archive a Kafka topic to Parquet (exits 0 once an available-now run is caught up)";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.flag("dry-run", "validate the config, print it (secrets masked) and exit"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    ArchiverConfig config = ConfigFlags.load(line);
    ArchiverEngine engine = context.engine().get();
    validate(engine, config);
    if (line.hasOption("dry-run")) {
      config.redacted().forEach((k, v) -> context.out().println(k + " = " + v));
      context.out().println("config OK");
      return 0;
    }
    try (CommitListeners notifiers = CommitListeners.fromConfig(config)) {
      engine.run(config, notifiers.listeners());
    }
    context.out().println("archiver: run finished; manifests under " + config.output().manifests());
    return 0;
  }

  static void validate(ArchiverEngine engine, ArchiverConfig config) {
    List<ConfigError> errors = engine.validate(config);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }
}
