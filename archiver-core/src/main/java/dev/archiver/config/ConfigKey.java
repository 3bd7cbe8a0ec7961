package dev.archiver.config;

import java.util.Optional;

/**
 * One declared config key: its name, type, default and documentation. A {@code prefix} key stands for a family
 * passed through to another system ({@code source.kafka.*} to the Kafka consumer, {@code spark.*} to Spark).
 */
public record ConfigKey(String name, ValueType type, Optional<String> defaultValue, String doc, boolean prefix) {

  public static ConfigKey withoutDefault(String name, ValueType type, String doc) {
    return new ConfigKey(name, type, Optional.empty(), doc, false);
  }

  public static ConfigKey optional(String name, ValueType type, String defaultValue, String doc) {
    return new ConfigKey(name, type, Optional.of(defaultValue), doc, false);
  }

  public static ConfigKey prefix(String name, String doc) {
    return new ConfigKey(name, ValueType.string(), Optional.empty(), doc, true);
  }

  /** Whether {@code key} is this key, or one of its family when this is a prefix key. */
  public boolean matches(String key) {
    return prefix ? key.startsWith(name) && key.length() > name.length() : key.equals(name);
  }
}
