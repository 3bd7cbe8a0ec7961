package dev.archiver.config;

/** One problem with one key; {@code message} says what to change. */
public record ConfigError(String key, String message) {
  @Override
  public String toString() {
    return key + ": " + message;
  }
}
