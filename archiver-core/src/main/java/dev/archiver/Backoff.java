package dev.archiver;

import java.time.Duration;
import java.util.Objects;

/**
 * The waits of every retry loop (a batch's write and commit, a query restart, a notification): they start at
 * {@code first} and double, each at most {@code max} (or {@code first}, when that is longer). One schedule, so the
 * retry window other decisions depend on (vacuum's minimum age) is computed the way the loops wait.
 */
public record Backoff(Duration first, Duration max) {
  /** The cap of the doubling waits: long enough for a store to come back, short enough to notice it has. */
  public static final Duration MAX_WAIT = Duration.ofMinutes(1);

  public Backoff {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(max, "max");
    if (first.isNegative() || max.isNegative()) {
      throw new IllegalArgumentException("backoff waits must not be negative: first " + first + ", max " + max);
    }
  }

  /** Waits from {@code first}, doubling up to {@link #MAX_WAIT}. */
  public static Backoff doubling(Duration first) {
    return new Backoff(first, MAX_WAIT);
  }

  /** The wait before retry {@code retry} (1 for the first retry). */
  public Duration before(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retries count from 1, got " + retry);
    }
    Duration cap = first.compareTo(max) > 0 ? first : max;
    Duration wait = first;
    for (int i = 1; i < retry && wait.compareTo(cap) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(cap) > 0 ? cap : wait;
  }

  /** The waits before retries 1 to {@code retries} together: the longest a loop of that many retries waits. */
  public Duration total(int retries) {
    Duration total = Duration.ZERO;
    for (int retry = 1; retry <= retries; retry++) {
      total = total.plus(before(retry));
    }
    return total;
  }

  /** Sleeps the wait before {@code retry}. */
  public void sleep(int retry, Sleeper sleeper) throws InterruptedException {
    sleeper.sleep(before(retry));
  }
}
