package dev.archiver;

import java.time.Duration;

/** Waits between attempts; injectable so tests of retry logic need not wait. */
@FunctionalInterface
public interface Sleeper {
  Sleeper REAL = d -> Thread.sleep(d.toMillis());

  void sleep(Duration d) throws InterruptedException;
}
