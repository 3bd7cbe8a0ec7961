package dev.archiver.listener;

import dev.archiver.Backoff;
import dev.archiver.Sleeper;
import dev.archiver.commit.CommitManifest;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands commits to a slow or flaky listener without ever blocking or failing the stream: a bounded queue, one worker,
 * retries with exponential backoff, then a log line and the next batch. Nothing is lost for good: the manifests stay
 * the truth, and the dbt hook's catch-up applies any batch whose notification was dropped.
 */
public final class AsyncNotifier implements CommitListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncNotifier.class);

  /** How a notifier retries; {@code sleeper} is injectable so tests need not wait. */
  public record Retry(int maxAttempts, Duration initialBackoff, Sleeper sleeper) {
  }

  private final String name;
  private final CommitListener target;
  private final Retry retry;
  private final BlockingQueue<CommitManifest> queue;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Queued plus in flight: the queue is empty while its last commit is still being delivered. */
  private final AtomicInteger undelivered = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong givenUp = new java.util.concurrent.atomic.AtomicLong();
  private final Thread worker;

  public AsyncNotifier(String name, CommitListener target, int capacity, Retry retry) {
    this.name = name;
    this.target = target;
    this.retry = retry;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.worker = new Thread(this::work, "archiver-notify-" + name);
    worker.setDaemon(true);
    worker.start();
  }

  /** The name it logs under and is exported by ({@code command}, {@code airflow}). */
  public String name() {
    return name;
  }

  /** Batches given up on after all attempts (a full queue's drops are not counted: they are logged). */
  public long givenUp() {
    return givenUp.get();
  }

  @Override
  public void onCommitted(CommitManifest manifest) {
    undelivered.incrementAndGet();
    if (closed.get() || !queue.offer(manifest)) {
      undelivered.decrementAndGet();
      LOG.warn("{}: queue full or closed, batch {} is not announced; the dbt hook's catch-up will apply it", name,
          manifest.batchId());
    }
  }

  /**
   * Stops taking commits and waits up to {@code timeout} for queued ones and the one in flight to be delivered;
   * then interrupts the worker, which abandons (a command: kills) what it was doing.
   */
  public void close(Duration timeout) {
    closed.set(true);
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (undelivered.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      worker.interrupt();
      worker.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (undelivered.get() > 0) {
      LOG.warn("{}: {} batch notification(s) not delivered before shutdown; catch-up will apply them", name,
          undelivered.get());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(60));
  }

  private void work() {
    while (true) {
      CommitManifest manifest;
      try {
        manifest = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      boolean goOn = deliver(manifest);
      undelivered.decrementAndGet();
      if (!goOn) {
        return;
      }
    }
  }

  /** False when interrupted (shutdown); a batch given up on is logged and skipped. */
  private boolean deliver(CommitManifest manifest) {
    Backoff backoff = Backoff.doubling(retry.initialBackoff());
    for (int attempt = 1; ; attempt++) {
      try {
        target.onCommitted(manifest);
        return true;
      } catch (RuntimeException e) {
        if (attempt >= retry.maxAttempts()) {
          givenUp.incrementAndGet();
          LOG.warn("{}: giving up on batch {} after {} attempts ({}); the manifest stays, catch-up will apply it",
              name, manifest.batchId(), attempt, e.getMessage());
          return true;
        }
        LOG.info("{}: batch {} attempt {} failed ({}); retrying in {} ms", name, manifest.batchId(), attempt,
            e.getMessage(), backoff.before(attempt).toMillis());
      }
      try {
        backoff.sleep(attempt, retry.sleeper());
      } catch (InterruptedException e) {
        return false;
      }
    }
  }
}
