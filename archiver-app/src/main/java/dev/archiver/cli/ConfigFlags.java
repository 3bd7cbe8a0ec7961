package dev.archiver.cli;

import static dev.archiver.config.ArchiverConfigKeys.*;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigKey;
import dev.archiver.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** The flags that override config keys, shared by the commands that read a config ({@code run}, {@code status}). */
final class ConfigFlags {
  /** Flag name to the key it sets, in help order. */
  private static final List<Map.Entry<String, ConfigKey>> SHORTCUTS = List.of(
      Map.entry("bootstrap-servers", BOOTSTRAP_SERVERS), Map.entry("topic", TOPIC), Map.entry("output", OUTPUT_PATH),
      Map.entry("checkpoint", CHECKPOINT), Map.entry("schema", SCHEMA_DDL),
      Map.entry("event-time-column", EVENT_TIME_COLUMN), Map.entry("max-records-per-batch", MAX_RECORDS_PER_BATCH),
      Map.entry("quarantine", QUARANTINE));

  private ConfigFlags() {
  }

  static Options addTo(Options options) {
    options.addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE")
        .desc("YAML or JSON config file; flags below override it").build());
    SHORTCUTS.forEach(e -> options.addOption(Flags.value(e.getKey(), "VALUE",
        "sets " + e.getValue().name() + ": " + e.getValue().doc())));
    options.addOption(Flags.value("trigger", "MODE",
        "available-now | processing-time:<interval> (e.g. processing-time:30s); sets trigger.*"));
    options.addOption(Option.builder().longOpt("allow-schema-change")
        .desc("start although schema.ddl changes incompatibly (sets " + ALLOW_SCHEMA_CHANGE.name() + "=true)")
        .build());
    options.addOption(Option.builder().longOpt("set").hasArgs().argName("KEY=VALUE")
        .desc("sets any config key; repeatable").build());
    return options;
  }

  static ArchiverConfig load(CommandLine line) {
    Optional<Path> file = Flags.string(line, "config").map(Path::of);
    file.filter(f -> !Files.isRegularFile(f)).ifPresent(f -> {
      throw new UsageException("--config: no such file " + f.toAbsolutePath());
    });
    return ConfigLoader.load(file, overrides(line));
  }

  /**
   * For commands that only read and write storage ({@code vacuum}, {@code status}): only output.path is needed, so
   * the keys a run requires (topic, schema) get placeholders when missing.
   */
  static ArchiverConfig loadStorage(CommandLine line) {
    Optional<Path> file = Flags.string(line, "config").map(Path::of);
    Map<String, String> values = new LinkedHashMap<>(overrides(line));
    Map<String, String> fromFile = file.map(ConfigLoader::read).orElse(Map.of());
    Map<String, String> merged = new LinkedHashMap<>(fromFile);
    merged.putAll(values);
    if (!merged.containsKey(TOPIC.name()) && !merged.containsKey(TOPIC_PATTERN.name())) {
      merged.put(TOPIC_PATTERN.name(), ".*");
    }
    merged.putIfAbsent(SCHEMA_DDL.name(), "unused STRING");
    return ConfigLoader.fromMap(merged);
  }

  /**
   * For commands that work on the Parquet layout's files ({@code vacuum}, {@code compact}): an Iceberg archive's data
   * and metadata files are the table's, not listed file by file in the manifests, so deleting "unlisted" files or
   * rewriting them would destroy the table. Its own maintenance ({@code maintain}) does that work instead.
   */
  static void requireParquet(ArchiverConfig config, String command, String instead) {
    if (config.output().format() != ArchiverConfig.Format.PARQUET) {
      throw new UsageException(command + ": output.format is " + config.output().format().name().toLowerCase(
          java.util.Locale.ROOT) + ", whose table keeps files the manifests do not list; use 'archiver maintain "
          + instead + "' for it");
    }
  }

  /**
   * For commands that only talk to Kafka ({@code datagen}): the source settings of {@code --config} and
   * {@code --set} (a secured broker's {@code source.kafka.*}), the keys a run requires given placeholders.
   */
  static ArchiverConfig.Source loadSource(CommandLine line) {
    Optional<Path> file = Flags.string(line, "config").map(Path::of);
    file.filter(f -> !Files.isRegularFile(f)).ifPresent(f -> {
      throw new UsageException("--config: no such file " + f.toAbsolutePath());
    });
    Map<String, String> merged = new LinkedHashMap<>(file.map(ConfigLoader::read).orElse(Map.of()));
    merged.putAll(overrides(line));
    if (!merged.containsKey(TOPIC.name()) && !merged.containsKey(TOPIC_PATTERN.name())) {
      merged.put(TOPIC_PATTERN.name(), ".*");
    }
    merged.putIfAbsent(SCHEMA_DDL.name(), "unused STRING");
    merged.putIfAbsent(OUTPUT_PATH.name(), "unused");
    return ConfigLoader.fromMap(merged).source();
  }

  static Map<String, String> overrides(CommandLine line) {
    Map<String, String> out = new LinkedHashMap<>();
    SHORTCUTS.forEach(e -> Flags.string(line, e.getKey()).ifPresent(v -> out.put(e.getValue().name(), v)));
    Flags.string(line, "trigger").ifPresent(t -> out.putAll(trigger(t)));
    if (line.hasOption("allow-schema-change")) {
      out.put(ALLOW_SCHEMA_CHANGE.name(), "true");
    }
    for (String pair : Optional.ofNullable(line.getOptionValues("set")).map(List::of).orElse(List.of())) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--set: '" + pair + "' is not KEY=VALUE, e.g. --set output.compression=zstd");
      }
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
    }
    return out;
  }

  private static Map<String, String> trigger(String value) {
    if (value.equals("available-now")) {
      return Map.of(TRIGGER.name(), value);
    }
    if (value.startsWith("processing-time:")) {
      return Map.of(TRIGGER.name(), "processing-time", TRIGGER_INTERVAL.name(),
          value.substring("processing-time:".length()));
    }
    if (value.equals("processing-time")) {
      return Map.of(TRIGGER.name(), value);
    }
    throw new UsageException("--trigger: '" + value + "' is not available-now or processing-time:<interval>");
  }
}
