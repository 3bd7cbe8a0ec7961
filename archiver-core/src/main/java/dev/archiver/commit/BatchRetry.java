package dev.archiver.commit;

import dev.archiver.ArchiverException;
import dev.archiver.Backoff;
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

  private final int retries;
  private final Backoff backoff;
  private final Sleeper sleeper;

  public BatchRetry(int retries, Duration initialWait, Sleeper sleeper) {
    this.retries = retries;
    this.backoff = Backoff.doubling(initialWait);
    this.sleeper = sleeper;
  }

  /**
   * The longest this retry waits in all before giving up: {@code retries} waits of {@link Backoff#doubling} from
   * {@code initialWait}. Not counting the attempts themselves.
   */
  public static Duration totalWait(int retries, Duration initialWait) {
    return Backoff.doubling(initialWait).total(retries);
  }

  public <T> T run(long batchId, Supplier<T> attempt) {
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
            backoff.before(retry).toMillis());
        try {
          backoff.sleep(retry, sleeper);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
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
