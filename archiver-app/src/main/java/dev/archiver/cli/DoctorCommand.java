package dev.archiver.cli;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigException;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import java.time.Duration;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code doctor}: a preflight before a first run or after a change. Asks every service the config names what the
 * run will need from it, one line per check with ok/FAIL/skip and for each failure the fix; exit 0 when nothing
 * failed, 1 otherwise (2 for a config that does not load, like every command).
 */
final class DoctorCommand implements Command {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  @Override
  public String name() {
    return "doctor";
  }

  @Override
  public String summary() {
    return "check broker, topic, storage, checkpoint, Spark master and Airflow before a run (exit 0 when all pass)";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options()).addOption(Flags.value("timeout", "DURATION",
        "how long each check may take (default " + Durations.human(DEFAULT_TIMEOUT) + ")"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    Duration timeout = line.hasOption("timeout") ? StatusCommand.timeout(line) : DEFAULT_TIMEOUT;
    ArchiverConfig config = ConfigFlags.load(line);
    ArchiverEngine engine = context.engine().get();
    List<CheckResult> results;
    try {
      RunCommand.validate(engine, config);
      results = new java.util.ArrayList<>(List.of(CheckResult.ok("config", "valid")));
    } catch (ConfigException e) {
      // The services can still be asked; the config's own problems are listed first.
      results = new java.util.ArrayList<>(e.errors().stream().map(err -> CheckResult.fail("config", err.key()
          + ": " + err.message(), "correct " + err.key())).toList());
    }
    results.forEach(r -> context.out().println(r.line()));
    boolean failed = results.stream().anyMatch(CheckResult::failed);
    for (CheckResult r : new PreflightChecks(config, engine, timeout).run(context.out()::println)) {
      failed |= r.failed();
    }
    context.out().println(failed ? "doctor: some checks failed; fix them before running" : "doctor: all checks"
        + " passed");
    return failed ? 1 : 0;
  }
}
