package dev.archiver.datagen;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Realistic JSON log events (service, level, user, latency, path, status, message, event time), a share of them
 * malformed in the ways production topics are: broken JSON, a wrong type, a missing required field.
 * Seeded, so a run can be reproduced.
 */
public final class EventGenerator {
  /** The events' schema as Spark DDL, for {@code --schema}. */
  public static final String SCHEMA_DDL = "event_id STRING, event_time TIMESTAMP, service STRING, level STRING, "
      + "user_id STRING, latency_ms INT, path STRING, status INT, message STRING";
  public static final List<String> REQUIRED = List.of("event_id", "event_time", "service");
  /**
   * The second version of the events (datagen {@code --second-version-at}): three fields more, which an archive of
   * {@link #SCHEMA_DDL} keeps in {@code _extra} until its schema declares them as this one does.
   */
  public static final String SCHEMA_DDL_V2 = SCHEMA_DDL
      + ", region STRING, retry_count BIGINT, client STRUCT<os: STRING, version: STRING>";
  private static final String[] REGIONS = {"eu-west-1", "us-east-1", "ap-south-1"};
  private static final String[] OSES = {"ios", "android", "web"};

  private static final String[] SERVICES = {"checkout", "search", "auth", "catalog", "payments", "shipping"};
  private static final String[] PATHS = {"/api/cart", "/api/search", "/login", "/api/items/{id}", "/api/pay",
      "/api/orders", "/health"};
  private static final String[] MESSAGES = {"request served", "cache miss", "upstream timeout", "retrying call",
      "slow query", "user not found", "payment declined", "rate limited"};

  private final Random random;
  private final double malformedRatio;
  private final Instant start;

  public EventGenerator(long seed, double malformedRatio, Instant start) {
    if (malformedRatio < 0 || malformedRatio > 1) {
      throw new IllegalArgumentException("malformed ratio must be within 0..1, got " + malformedRatio);
    }
    this.random = new Random(seed);
    this.malformedRatio = malformedRatio;
    this.start = start;
  }

  /** An event whose time is {@code offsetMillis} after the start. */
  public Event next(long index, long offsetMillis) {
    return next(index, offsetMillis, false);
  }

  /** An event of the first version or, with {@code secondVersion}, of the second ({@link #SCHEMA_DDL_V2}). */
  public Event next(long index, long offsetMillis, boolean secondVersion) {
    String user = "user-" + random.nextInt(5000);
    boolean malformed = random.nextDouble() < malformedRatio;
    String json = malformed ? malformed(index, offsetMillis) : valid(index, offsetMillis, user);
    if (secondVersion && !malformed) {
      json = json.substring(0, json.length() - 1) + String.format(Locale.ROOT,
          ",\"region\":\"%s\",\"retry_count\":%d,\"client\":{\"os\":\"%s\",\"version\":\"%d.%d\"}}",
          REGIONS[random.nextInt(REGIONS.length)], random.nextInt(4), OSES[random.nextInt(OSES.length)],
          10 + random.nextInt(8), random.nextInt(10));
    }
    return new Event(user, json, malformed);
  }

  /** One generated record: its key, its JSON value, and whether it was made malformed on purpose. */
  public record Event(String key, String value, boolean malformed) {
  }

  private String valid(long index, long offsetMillis, String user) {
    String service = SERVICES[random.nextInt(SERVICES.length)];
    double roll = random.nextDouble();
    String level = roll < 0.02 ? "ERROR" : roll < 0.08 ? "WARN" : roll < 0.3 ? "DEBUG" : "INFO";
    int status = "ERROR".equals(level) ? 500 + random.nextInt(4) : roll < 0.1 ? 404 : 200;
    // Latencies are long-tailed, as in real services.
    int latency = (int) Math.min(30_000, Math.exp(3 + random.nextGaussian() * 0.9));
    return String.format(Locale.ROOT, "{\"event_id\":\"e-%d\",\"event_time\":\"%s\",\"service\":\"%s\","
            + "\"level\":\"%s\",\"user_id\":\"%s\",\"latency_ms\":%d,\"path\":\"%s\",\"status\":%d,"
            + "\"message\":\"%s\"}", index, time(offsetMillis), service, level, user, latency,
        PATHS[random.nextInt(PATHS.length)], status, MESSAGES[random.nextInt(MESSAGES.length)]);
  }

  private String malformed(long index, long offsetMillis) {
    return switch (random.nextInt(4)) {
      case 0 -> "{\"event_id\":\"e-" + index + "\",\"event_time\":\"" + time(offsetMillis) + "\",\"serv";
      case 1 -> "not json at all: e-" + index;
      case 2 -> "{\"event_id\":\"e-" + index + "\",\"event_time\":\"" + time(offsetMillis)
          + "\",\"service\":\"search\",\"latency_ms\":\"fast\"}";
      default -> "{\"event_id\":\"e-" + index + "\",\"service\":\"auth\",\"level\":\"INFO\"}";
    };
  }

  private String time(long offsetMillis) {
    return start.plusMillis(offsetMillis).truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
