package dev.archiver.cli;

import dev.archiver.metrics.BatchMetrics;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code run}'s live progress prints, as plain strings (the terminal part is {@link RunProgress}): one line per
 * batch, and for an {@code available-now} run a bar of the backlog. The backlog's size is what the first batch read
 * plus the lag left after it (the end offsets an available-now run stops at); done is what the batches read since.
 */
final class ProgressFormat {
  private long records;
  private long firstLagPlusRecords = -1;
  private long lag;

  /** Records the batch; returns its line. */
  String batch(BatchMetrics m) {
    records += m.records();
    lag = m.lag().values().stream().mapToLong(Long::longValue).sum();
    if (firstLagPlusRecords < 0) {
      firstLagPlusRecords = m.records() + lag;
    }
    String limit = m.intakeLimit() <= 0 ? "no limit" : count(m.intakeLimit())
        + (m.nextLimit() != m.intakeLimit() ? " -> " + count(m.nextLimit()) : "");
    return String.format(Locale.ROOT, "batch %-6d %9s records  %9s rec/s  lag %9s  intake limit %s%s",
        m.batchId(), count(m.records()), count(Math.round(m.recordsPerSecond())),
        m.lag().isEmpty() ? "?" : count(lag), limit, m.quarantined() > 0 ? "  (" + count(m.quarantined())
            + " quarantined)" : "");
  }

  /**
   * {@code [=====>    ]  61%  6,100 of 10,000 records, 3,900 left, ETA 0:05} in at most {@code width} columns;
   * {@code elapsed} is the run's time so far, for the rate the ETA assumes.
   */
  String bar(int width, Duration elapsed) {
    long total = Math.max(records, records + lag);
    if (firstLagPlusRecords < 0 || total == 0) {
      return "waiting for the first batch ...";
    }
    double done = (double) records / total;
    double rate = records / Math.max(0.001, elapsed.toMillis() / 1000.0);
    String eta = lag == 0 ? "done" : rate <= 0 ? "ETA ?" : "ETA " + clock(Duration.ofSeconds(Math.round(lag / rate)));
    String text = String.format(Locale.ROOT, " %3d%%  %s of %s records, %s left, %s", (int) Math.floor(done * 100),
        count(records), count(total), count(lag), eta);
    int cells = Math.max(10, Math.min(40, width - text.length() - 2));
    int filled = (int) Math.floor(done * cells);
    StringBuilder bar = new StringBuilder("[");
    for (int i = 0; i < cells; i++) {
      bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    String line = bar.append(']').append(text).toString();
    return line.length() > width ? line.substring(0, Math.max(0, width)) : line;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 0:05}, {@code 12:00}, {@code 1:02:03}. */
  static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
