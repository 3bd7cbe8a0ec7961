package dev.archiver.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One {@code bin/archiver} sub-command. */
interface Command {
  String name();

  String summary();

  /** Trailing arguments, for the usage line; empty when none. */
  default String arguments() {
    return "";
  }

  Options options();

  /** Runs the command; returns the exit code. Throws {@link UsageException} for bad flags. */
  int run(CommandLine line, CliContext context) throws Exception;
}
