package dev.archiver.commit;

import dev.archiver.ArchiverException;
import dev.archiver.CommitConflictException;
import dev.archiver.InvalidInputException;
import dev.archiver.Sleeper;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a batch whose write or commit failed, a bounded number of times with doubling waits: storage outages end,
 * and a retried batch rewrites the same file names, so it never duplicates. Bad input and commit conflicts are not
 * retried: no wait fixes them. Nor is a batch interrupted because the query is stopping (SIGTERM, an Airflow task
 * stopped): it is replayed when the query starts again.
 */
public final class BatchRetry {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRetry.class);
  private static final Duration MAX_WAIT = Duration.ofMinutes(1);

  private final int retries;
  private final Duration initialWait;
  private final Sleeper sleeper;

  public BatchRetry(int retries, Duration initialWait, Sleeper sleeper) {
    this.retries = retries;
    this.initialWait = initialWait;
    this.sleeper = sleeper;
  }

  /**
   * The longest this retry waits in all before giving up: {@code retries} waits from {@code initialWait}, doubling,
   * each at most a minute. Not counting the attempts themselves.
   */
  public static Duration totalWait(int retries, Duration initialWait) {
    Duration total = Duration.ZERO;
    Duration wait = initialWait;
    for (int i = 0; i < retries; i++) {
      if (wait.equals(MAX_WAIT)) {
        return total.plus(MAX_WAIT.multipliedBy(retries - i));
      }
      total = total.plus(wait);
      wait = wait.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.multipliedBy(2);
    }
    return total;
  }

  public <T> T run(long batchId, Supplier<T> attempt) {
    Duration wait = initialWait;
    for (int retry = 1; ; retry++) {
      try {
        return attempt.get();
      } catch (InvalidInputException | CommitConflictException e) {
        throw e;
      } catch (RuntimeException e) {
        if (interrupted(e)) {
          LOG.info("batch {} interrupted: the query is stopping; it is replayed on the next start", batchId);
          throw e;
        }
        if (retry > retries) {
          LOG.error("batch {} failed {} times; giving up: {}", batchId, retry, ArchiverException.rootMessage(e));
          throw e;
        }
        LOG.warn("batch {} failed ({}); retry {}/{} in {} ms", batchId, ArchiverException.rootMessage(e), retry, retries,
            wait.toMillis());
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        wait = wait.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.multipliedBy(2);
      }
    }
  }

  /** Spark stopping a query interrupts its batch thread. Not InterruptedIOException: storage timeouts are that too. */
  private static boolean interrupted(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

}
