package dev.archiver.config;

import java.util.stream.Collectors;

/** Renders the declared keys as the Markdown table in the README. */
public final class ConfigReference {
  private ConfigReference() {
  }

  public static String markdown() {
    return "| key | type | default | description |\n| --- | --- | --- | --- |\n"
        + ArchiverConfigKeys.ALL.stream().map(k -> "| `" + k.name() + (k.prefix() ? "*" : "") + "` | "
            + (k.prefix() ? "passthrough" : k.type().description()) + " | "
            + k.defaultValue().map(d -> "`" + d + "`").orElse("") + " | " + k.doc() + " |")
            .collect(Collectors.joining("\n")) + "\n";
  }
}
