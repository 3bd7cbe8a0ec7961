package dev.archiver.spark.parse;

import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Instant;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.catalyst.util.TimestampFormatter;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;

/**
 * Spark's default JSON timestamp parsing with a shortcut for the most common form, ISO-8601 in UTC ({@code ...Z}):
 * Spark resolves the zone of every value anew, compiling two regular expressions each time (a sixth of the
 * archiver's CPU in bench/). The shortcut parses the same text with the same Spark routine, minus the {@code Z}, as
 * a UTC wall-clock time, which is the same instant; only full date-times take it (RecordParserIT compares the two on
 * the forms around it), anything else goes to Spark's formatter unchanged.
 */
final class UtcTimestamps implements TimestampFormatter {
  private static final long serialVersionUID = 1L;
  private final TimestampFormatter spark;

  UtcTimestamps(TimestampFormatter spark) {
    this.spark = spark;
  }

  @Override
  public long parse(String s) throws ParseException {
    int n = s.length();
    if (fullUtc(s, n)) {
      Option<Object> utc = DateTimeUtils.stringToTimestampWithoutTimeZone(UTF8String.fromString(s.substring(0, n - 1)),
          false);
      if (utc.isDefined()) {
        return (Long) utc.get();
      }
    }
    return spark.parse(s);
  }

  /** {@code yyyy-MM-dd(T| )HH:mm:ss[.fraction]Z}: the shape whose Spark parse the shortcut is tested against. */
  private static boolean fullUtc(String s, int n) {
    return n >= 20 && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-'
        && (s.charAt(10) == 'T' || s.charAt(10) == ' ') && s.charAt(13) == ':' && s.charAt(16) == ':'
        && (s.charAt(19) == 'Z' || s.charAt(19) == '.') && Character.isDigit(s.charAt(n - 2));
  }

  @Override
  public String format(long micros) {
    return spark.format(micros);
  }

  @Override
  public String format(Timestamp ts) {
    return spark.format(ts);
  }

  @Override
  public String format(Instant instant) {
    return spark.format(instant);
  }

  @Override
  public void validatePatternString(boolean checkLegacy) {
    spark.validatePatternString(checkLegacy);
  }
}
