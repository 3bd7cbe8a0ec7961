package dev.archiver.cli;

import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;

/** Small helpers for typed flag values with errors that name the flag. */
final class Flags {
  private Flags() {
  }

  static Option value(String longName, String argName, String description) {
    return Option.builder().longOpt(longName).hasArg().argName(argName).desc(description).build();
  }

  static Option flag(String longName, String description) {
    return Option.builder().longOpt(longName).desc(description).build();
  }

  static Optional<String> string(CommandLine line, String name) {
    return Optional.ofNullable(line.getOptionValue(name));
  }

  static String required(CommandLine line, String name) {
    return string(line, name).orElseThrow(() -> new UsageException("--" + name + " is required"));
  }

  static long longValue(CommandLine line, String name, long dflt) {
    String v = line.getOptionValue(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + ": '" + v + "' is not a whole number");
    }
  }

  static double doubleValue(CommandLine line, String name, double dflt) {
    String v = line.getOptionValue(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + ": '" + v + "' is not a number");
    }
  }
}
