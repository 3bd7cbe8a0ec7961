package dev.archiver.config;

import dev.archiver.InvalidInputException;
import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a config at once, so one edit can fix them all. */
public final class ConfigException extends InvalidInputException {
  private final transient List<ConfigError> errors;

  public ConfigException(List<ConfigError> errors) {
    super(render(errors));
    this.errors = List.copyOf(errors);
  }

  public List<ConfigError> errors() {
    return errors;
  }

  private static String render(List<ConfigError> errors) {
    return errors.size() + " config error" + (errors.size() == 1 ? "" : "s") + ":\n"
        + errors.stream().map(e -> "  - " + e).collect(Collectors.joining("\n"));
  }
}
