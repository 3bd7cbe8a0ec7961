package dev.archiver.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads typed values out of a raw map while collecting every error instead of stopping at the first. */
final class Values {
  private final Map<String, String> raw;
  private final List<ConfigError> errors = new ArrayList<>();
  private final Set<String> failed = new HashSet<>();

  Values(Map<String, String> raw) {
    this.raw = raw;
  }

  /** The parsed value, the declared default when unset, or null after recording an error. */
  Object get(ConfigKey key) {
    return opt(key).orElseGet(() -> key.defaultValue().map(d -> key.type().parse(d)).orElse(null));
  }

  Optional<Object> opt(ConfigKey key) {
    String value = raw.get(key.name());
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(key.type().parse(value));
    } catch (IllegalArgumentException e) {
      error(key.name(), e.getMessage());
      failed.add(key.name());
      return Optional.empty();
    }
  }

  Object require(ConfigKey key, String fix) {
    Object value = get(key);
    if (value == null && !failed(key)) {
      error(key.name(), "missing: " + fix);
    }
    return value;
  }

  boolean failed(ConfigKey key) {
    return failed.contains(key.name());
  }

  Map<String, String> family(ConfigKey prefixKey) {
    Map<String, String> out = new LinkedHashMap<>();
    raw.forEach((k, v) -> {
      if (prefixKey.matches(k)) {
        out.put(k.substring(prefixKey.name().length()), v);
      }
    });
    return out;
  }

  void checkUnknownKeys() {
    for (String key : raw.keySet()) {
      if (ArchiverConfigKeys.find(key).isEmpty()) {
        String hint = closest(key).map(c -> "did you mean '" + c + "'?")
            .orElse("see 'bin/archiver config-reference' for the keys");
        error(key, "unknown key; " + hint);
      }
    }
  }

  void error(String key, String message) {
    errors.add(new ConfigError(key, message));
  }

  void throwIfErrors() {
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }

  private static Optional<String> closest(String key) {
    return ArchiverConfigKeys.ALL.stream().filter(k -> !k.prefix()).map(ConfigKey::name)
        .min(Comparator.comparingInt(n -> distance(n, key)))
        .filter(n -> distance(n, key) <= Math.max(3, key.length() / 4));
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
