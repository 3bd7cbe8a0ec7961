package dev.archiver.listener;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.testing.Manifests;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncNotifierTest {
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final AsyncNotifier.Retry retry = new AsyncNotifier.Retry(4, Duration.ofSeconds(1), waits::add);

  @Test
  void retriesWithExponentialBackoffUntilDelivered() {
    AtomicInteger calls = new AtomicInteger();
    List<Long> delivered = new CopyOnWriteArrayList<>();
    AsyncNotifier notifier = new AsyncNotifier("test", m -> {
      if (calls.incrementAndGet() < 3) {
        throw new IllegalStateException("airflow 503");
      }
      delivered.add(m.batchId());
    }, 10, retry);
    notifier.onCommitted(Manifests.manifest(5, "q", 0, 10, 0));
    notifier.close(Duration.ofSeconds(5));
    assertThat(delivered).containsExactly(5L);
    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void givesUpAfterMaxAttemptsAndMovesOnToTheNextBatch() {
    List<Long> delivered = new CopyOnWriteArrayList<>();
    AsyncNotifier notifier = new AsyncNotifier("test", m -> {
      if (m.batchId() == 1) {
        throw new IllegalStateException("always down for batch 1");
      }
      delivered.add(m.batchId());
    }, 10, retry);
    notifier.onCommitted(Manifests.manifest(1, "q", 0, 10, 0));
    notifier.onCommitted(Manifests.manifest(2, "q", 10, 20, 0));
    notifier.close(Duration.ofSeconds(5));
    assertThat(delivered).containsExactly(2L);
    assertThat(waits).as("3 waits between 4 attempts of batch 1").hasSize(3);
    assertThat(notifier.givenUp()).as("batch 1 given up, counted for archiver_notifications_given_up_total")
        .isEqualTo(1);
  }

  @Test
  void closeWaitsForTheDeliveryInFlightNotJustForAnEmptyQueue() {
    List<Long> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    AsyncNotifier notifier = new AsyncNotifier("test", m -> {
      started.countDown();
      try {
        Thread.sleep(500); // a dbt run: the queue is empty while it lasts
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted");
      }
      delivered.add(m.batchId());
    }, 10, retry);
    notifier.onCommitted(Manifests.manifest(9, "q", 0, 10, 0));
    assertThat(awaitQuietly(started)).isTrue();
    notifier.close(Duration.ofSeconds(5));
    assertThat(delivered).as("the last batch's notification finished before the job exited").containsExactly(9L);
  }

  private static boolean awaitQuietly(CountDownLatch latch) {
    try {
      return latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void aFullQueueDropsInsteadOfBlockingTheStream() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    AsyncNotifier notifier = new AsyncNotifier("test", m -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      delivered.incrementAndGet();
    }, 2, retry);
    long started = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      CommitManifest m = Manifests.manifest(i, "q", i * 10L, i * 10L + 10, 0);
      notifier.onCommitted(m);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("never blocks").isLessThan(Duration.ofSeconds(1));
    release.countDown();
    notifier.close(Duration.ofSeconds(5));
    assertThat(delivered.get()).as("one in flight plus a queue of two").isBetween(2, 3);
  }
}
