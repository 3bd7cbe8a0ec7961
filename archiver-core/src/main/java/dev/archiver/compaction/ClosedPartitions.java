package dev.archiver.compaction;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Which archive partitions are closed: their time range ({@code event_date=D}: that UTC day;
 * {@code event_date=D/event_hour=H}: that hour) ended at least {@code olderThan} ago. Late events can still land in a
 * closed partition; compaction leaves files committed after its plan alone, so that is safe, only less compact.
 */
public final class ClosedPartitions {
  private ClosedPartitions() {
  }

  /** When the partition's time range ends; empty for a layout this archiver does not write. */
  public static Optional<Instant> end(String partition) {
    String[] parts = partition.split("/");
    if (parts.length < 1 || parts.length > 2 || !parts[0].startsWith("event_date=")) {
      return Optional.empty();
    }
    try {
      LocalDate date = LocalDate.parse(parts[0].substring("event_date=".length()));
      Instant start = date.atStartOfDay(ZoneOffset.UTC).toInstant();
      if (parts.length == 1) {
        return Optional.of(start.plus(Duration.ofDays(1)));
      }
      if (!parts[1].startsWith("event_hour=")) {
        return Optional.empty();
      }
      int hour = Integer.parseInt(parts[1].substring("event_hour=".length()));
      return hour < 0 || hour > 23 ? Optional.empty() : Optional.of(start.plus(Duration.ofHours(hour + 1L)));
    } catch (DateTimeParseException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  public static boolean isClosed(String partition, Duration olderThan, Instant now) {
    return end(partition).map(end -> !end.isAfter(now.minus(olderThan))).orElse(false);
  }
}
