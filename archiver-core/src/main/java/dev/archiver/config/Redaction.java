package dev.archiver.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Masks secret values (SASL JAAS configs, passwords, S3 keys, tokens) wherever config is printed or stored. */
public final class Redaction {
  public static final String MASK = "******";
  private static final Pattern SECRET = Pattern.compile(
      "password|secret|jaas|token|credential|access[.-]?key|session[.-]?key|private[.-]?key|signature");

  private Redaction() {
  }

  public static boolean isSecret(String key) {
    return SECRET.matcher(key.toLowerCase(Locale.ROOT)).find();
  }

  public static Map<String, String> redact(Map<String, String> values) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, isSecret(k) ? MASK : v));
    return out;
  }
}
