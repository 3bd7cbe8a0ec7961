package dev.archiver.cli;

import dev.archiver.config.ConfigReference;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code config-reference}: every config key with its type, default and documentation, as Markdown. */
final class ConfigReferenceCommand implements Command {
  @Override
  public String name() {
    return "config-reference";
  }

  @Override
  public String summary() {
    return "print every config key with its default and documentation (Markdown)";
  }

  @Override
  public Options options() {
    return new Options();
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    context.out().print(ConfigReference.markdown());
    return 0;
  }
}
