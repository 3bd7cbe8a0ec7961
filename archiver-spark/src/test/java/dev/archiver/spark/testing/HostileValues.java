package dev.archiver.spark.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Kafka values an archiver meets sooner or later, by accident or on purpose, for the schema {@link #DDL}: each with a
 * name, and what must become of it ({@link #EXPECTED}).
 */
public final class HostileValues {
  public static final String DDL = "id STRING, ts TIMESTAMP, n INT, tags ARRAY<STRING>, "
      + "geo STRUCT<lat: DOUBLE, lon: DOUBLE>";
  private static final String TS = "\"ts\":\"2026-11-25T10:00:00Z\"";
  private static final String MALFORMED = "quarantined: malformed JSON or a field that does not match schema.ddl";

  /** Verdict per value: {@code archived}, or {@code quarantined: <error>}. */
  public static final Map<String, String> EXPECTED = Map.ofEntries(
      Map.entry("random bytes", MALFORMED),
      Map.entry("truncated UTF-8", MALFORMED),
      Map.entry("invalid UTF-8 in a string", MALFORMED),
      Map.entry("byte order mark", "archived"),
      Map.entry("10,000 nested arrays", MALFORMED),
      Map.entry("10,000 nested objects", MALFORMED),
      Map.entry("10,000 nested arrays in a declared field", MALFORMED),
      Map.entry("integer beyond long", MALFORMED),
      Map.entry("2,000-digit number", MALFORMED),
      Map.entry("number beyond double", "archived"),
      Map.entry("NaN", "archived"),
      Map.entry("duplicate keys", "archived"),
      Map.entry("10 MB string", "archived"),
      Map.entry("keys with dots and slashes", "archived"),
      Map.entry("empty key", "archived"),
      Map.entry("year 1", "archived"),
      Map.entry("year 9999", "archived"),
      Map.entry("empty value", "quarantined: not a JSON object"),
      Map.entry("JSON null", MALFORMED),
      Map.entry("unescaped control character", MALFORMED));

  private HostileValues() {
  }

  /** Every value by name, in a stable order. */
  public static Map<String, byte[]> all() {
    Map<String, byte[]> v = new LinkedHashMap<>();
    byte[] random = new byte[2_000];
    new Random(12).nextBytes(random);
    v.put("random bytes", random);
    v.put("truncated UTF-8", concat(utf8("{\"id\":\"caf"), new byte[] {(byte) 0xC3}));
    v.put("invalid UTF-8 in a string", concat(utf8("{\"id\":\"a"), new byte[] {(byte) 0xFF},
        utf8("b\"," + TS + "}")));
    v.put("byte order mark", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        utf8("{\"id\":\"bom\"," + TS + "}")));
    v.put("10,000 nested arrays", utf8("{\"id\":\"deep\"," + TS + ",\"x\":" + "[".repeat(10_000)
        + "]".repeat(10_000) + "}"));
    v.put("10,000 nested objects", utf8("{\"id\":\"deep\"," + TS + ",\"x\":" + "{\"a\":".repeat(10_000) + "1"
        + "}".repeat(10_000) + "}"));
    v.put("10,000 nested arrays in a declared field", utf8("{\"id\":\"deep\"," + TS + ",\"tags\":"
        + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
    v.put("integer beyond long", utf8("{\"id\":\"big\"," + TS + ",\"n\":99999999999999999999999999}"));
    v.put("2,000-digit number", utf8("{\"id\":\"big\"," + TS + ",\"n\":" + "1".repeat(2_000) + "}"));
    v.put("number beyond double", utf8("{\"id\":\"inf\"," + TS + ",\"geo\":{\"lat\":1e999,\"lon\":0}}"));
    v.put("NaN", utf8("{\"id\":\"nan\"," + TS + ",\"geo\":{\"lat\":NaN,\"lon\":0}}"));
    v.put("duplicate keys", utf8("{\"id\":\"first\",\"id\":\"second\"," + TS + "}"));
    v.put("10 MB string", utf8("{\"id\":\"big\"," + TS + ",\"tags\":[\"" + "a".repeat(10_000_001) + "\"]}"));
    v.put("keys with dots and slashes", utf8("{\"id\":\"keys\"," + TS
        + ",\"a.b\":1,\"a/b\":2,\"../../etc/passwd\":3,\"geo.lat\":4}"));
    v.put("empty key", utf8("{\"\":1,\"id\":\"empty-key\"," + TS + "}"));
    v.put("year 1", utf8("{\"id\":\"y1\",\"ts\":\"0001-01-01T00:00:00Z\"}"));
    v.put("year 9999", utf8("{\"id\":\"y9999\",\"ts\":\"9999-12-31T23:59:59.999999Z\"}"));
    v.put("empty value", new byte[0]);
    v.put("JSON null", utf8("null"));
    v.put("unescaped control character", concat(utf8("{\"id\":\"a"), new byte[] {0}, utf8("b\"," + TS + "}")));
    return v;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
