package dev.archiver.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * How a config value is parsed and described. {@link #parse} throws {@link IllegalArgumentException} whose message
 * says what a good value looks like; the loader prefixes it with the key.
 */
public record ValueType(String description, Function<String, Object> parser) {

  public Object parse(String raw) {
    return parser.apply(raw.trim());
  }

  public static ValueType string() {
    return new ValueType("string", raw -> {
      if (raw.isEmpty()) {
        throw new IllegalArgumentException("must not be empty");
      }
      return raw;
    });
  }

  public static ValueType positiveLong() {
    return new ValueType("positive integer", raw -> {
      long value;
      try {
        value = Long.parseLong(raw.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + raw + "' is not a whole number; use e.g. 100000");
      }
      if (value <= 0) {
        throw new IllegalArgumentException("must be greater than 0, got " + value);
      }
      return value;
    });
  }

  public static ValueType bool() {
    return new ValueType("true|false", raw -> switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("'" + raw + "' is not a boolean; use true or false");
    });
  }

  public static ValueType duration() {
    return new ValueType("duration (500ms, 30s, 5m, 1h, PT30S)", raw -> {
      Duration d = Durations.parse(raw);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be longer than zero, got " + raw);
      }
      return d;
    });
  }

  public static ValueType size() {
    return new ValueType("size (64m, 512MiB, 2g, or bytes)", raw -> {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?")
          .matcher(raw);
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + raw + "' is not a size; use e.g. 512m, 2g or 1048576");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT).substring(0, 1);
      long bytes = switch (unit) {
        case "k" -> n << 10;
        case "m" -> n << 20;
        case "g" -> n << 30;
        default -> n;
      };
      if (bytes <= 0) {
        throw new IllegalArgumentException("must be greater than 0, got " + raw);
      }
      return bytes;
    });
  }

  public static ValueType ratio() {
    return new ValueType("number between 0 and 1", raw -> {
      double value;
      try {
        value = Double.parseDouble(raw);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + raw + "' is not a number; use e.g. 0.5");
      }
      if (value <= 0 || value >= 1) {
        throw new IllegalArgumentException("must be between 0 and 1 (exclusive), got " + raw);
      }
      return value;
    });
  }

  /** {@code BACK,AHEAD}: two durations, each zero or longer. */
  public static ValueType bounds() {
    return new ValueType("BACK,AHEAD durations (e.g. 7d,1d)", raw -> {
      String[] parts = raw.split(",");
      if (parts.length != 2) {
        throw new IllegalArgumentException("'" + raw + "' is not two durations BACK,AHEAD; use e.g. 7d,1d");
      }
      return new ArchiverConfig.EventTimeBounds(Durations.parse(parts[0]), Durations.parse(parts[1]));
    });
  }

  public static ValueType list() {
    return new ValueType("comma-separated list", raw -> Arrays.stream(raw.split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList());
  }

  public static ValueType oneOf(String... allowed) {
    List<String> values = List.of(allowed);
    return new ValueType(String.join("|", values), raw -> {
      String lower = raw.toLowerCase(Locale.ROOT);
      if (!values.contains(lower)) {
        throw new IllegalArgumentException("'" + raw + "' is not one of " + String.join(", ", values));
      }
      return lower;
    });
  }
}
