package dev.archiver.cli;

import dev.archiver.ArchiverException;
import dev.archiver.config.ConfigException;
import dev.archiver.engine.ArchiverEngine;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code bin/archiver <command>}. Exit codes: 0 done, 1 the job or a service failed (cause on one line),
 * 2 bad flags or config (every problem listed).
 */
public final class ArchiverCli {
  private final PrintStream out;
  private final PrintStream err;
  private final CliContext context;
  private final List<Command> commands = List.of(new RunCommand(), new StatusCommand(), new DoctorCommand(),
      new DatagenCommand(), new VacuumCommand(), new ExpireManifestsCommand(), new CompactCommand(),
      new MaintainCommand(), new BackfillCommand(), new SchemaCommand(), new LocalKafkaCommand(),
      new LocalClusterCommand(), new DemoCommand(), new ConfigReferenceCommand());

  public ArchiverCli(PrintStream out, PrintStream err, Path home, Supplier<ArchiverEngine> engine) {
    this.out = out;
    this.err = err;
    this.context = new CliContext(out, err, home, ToolPaths.of(home), engine);
  }

  public static void main(String[] args) {
    Path home = Path.of(System.getProperty("archiver.home", ".")).toAbsolutePath().normalize();
    int code = new ArchiverCli(System.out, System.err, home, ArchiverEngine::load).execute(args);
    System.out.flush();
    // Spark leaves non-daemon threads behind; the exit code is the contract with Airflow and shells.
    System.exit(code);
  }

  public int execute(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      printUsage(args.length == 0 ? err : out);
      return args.length == 0 ? 2 : 0;
    }
    Optional<Command> command = commands.stream().filter(c -> c.name().equals(args[0])).findFirst();
    if (command.isEmpty()) {
      err.println("archiver: unknown command '" + args[0] + "'. Commands: "
          + String.join(", ", commands.stream().map(Command::name).toList()) + ". See 'bin/archiver --help'.");
      return 2;
    }
    return execute(command.get(), Arrays.copyOfRange(args, 1, args.length));
  }

  private int execute(Command command, String[] args) {
    Options options = command.options();
    options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
    try {
      CommandLine line = new DefaultParser().parse(options, args);
      if (line.hasOption("help")) {
        printHelp(command, options, out);
        return 0;
      }
      if (command.arguments().isEmpty() && !line.getArgList().isEmpty()) {
        throw new UsageException("unexpected argument '" + line.getArgList().get(0) + "'");
      }
      return command.run(line, context);
    } catch (ParseException | UsageException e) {
      err.println("archiver " + command.name() + ": " + e.getMessage() + ". See 'bin/archiver " + command.name()
          + " --help'.");
      return 2;
    } catch (ConfigException e) {
      err.println("archiver " + command.name() + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("archiver " + command.name() + ": failed: " + oneLine(e));
      if (System.getenv("ARCHIVER_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  /** The innermost cause, on one line: what an operator reads first in an Airflow log. */
  static String oneLine(Throwable e) {
    return ArchiverException.rootMessage(e);
  }

  private void printUsage(PrintStream stream) {
    stream.println("usage: bin/archiver <command> [options]   (bin/archiver <command> --help for its options)");
    stream.println();
    for (Command c : commands) {
      stream.printf("  %-17s %s%n", c.name(), c.summary());
    }
  }

  private static void printHelp(Command command, Options options, PrintStream stream) {
    PrintWriter writer = new PrintWriter(stream);
    new HelpFormatter().printHelp(writer, 110, "bin/archiver " + command.name() + " [options] "
        + command.arguments(), command.summary(), options, 2, 3, "", false);
    writer.flush();
  }
}
