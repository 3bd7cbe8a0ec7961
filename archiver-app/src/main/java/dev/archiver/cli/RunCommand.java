package dev.archiver.cli;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigException;
import dev.archiver.config.ConfigError;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.listener.CommitListeners;
import dev.archiver.listener.CommitListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
        .addOption(Flags.flag("dry-run", "validate the config, print it (secrets masked) and exit"))
        .addOption(Flags.flag("no-progress", "no live progress (a line per batch, a backlog bar for available-now);"
            + " it is shown only when standard output is a terminal"));
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
    Optional<RunProgress> progress = line.hasOption("no-progress") ? Optional.empty()
        : RunProgress.onTerminal(config.trigger().availableNow());
    try (CommitListeners notifiers = CommitListeners.fromConfig(config)) {
      List<CommitListener> listeners = new ArrayList<>(notifiers.listeners());
      progress.ifPresent(listeners::add);
      engine.run(config, listeners);
    } finally {
      progress.ifPresent(RunProgress::close);
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
