package dev.archiver.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.CommitConflictException;
import dev.archiver.RetriableException;
import dev.archiver.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoredLeaseTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private final Clock clock = Clock.fixed(Instant.parse("2026-12-02T08:00:00Z"), ZoneOffset.UTC);
  private final AtomicLong now = new AtomicLong();
  private final InMemoryLeaseStore store = new InMemoryLeaseStore(true);
  /** What "the rest of the world" does while a writer waits; time passes by the wait. */
  private Runnable meanwhile = () -> { };
  private final Sleeper sleeper = d -> {
    now.addAndGet(d.toNanos());
    meanwhile.run();
  };

  private StoredLease writer(String id) {
    return new StoredLease(store, new StoredLease.Settings("s3a://lake/archive", TIMEOUT, id, "host-" + id + " pid 1"),
        clock, now::get, sleeper);
  }

  @Test
  void theFirstWriterTakesEpochOneAndHoldsItWhileItRenews() throws Exception {
    StoredLease first = writer("a");
    first.acquire();
    assertThat(first.epoch()).hasValue(1);
    for (int i = 0; i < 10; i++) {
      now.addAndGet(first.renewEvery().toNanos());
      first.renew();
      first.check();
    }
  }

  @Test
  void aSecondWriterIsRefusedWhileTheFirstRenewsAndNamesIt() throws Exception {
    StoredLease first = writer("a");
    first.acquire();
    meanwhile = first::renew;
    assertThatThrownBy(() -> writer("b").acquire()).isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("is being written by another driver (host-a pid 1")
        .hasMessageContaining("one driver writes an output at a time").hasMessageContaining("output.lease-timeout");
    assertThat(store.epochs()).as("the refused writer claimed nothing").containsExactly(1L);
    first.check();
  }

  @Test
  void aReleasedOutputIsTakenAtOnce() throws Exception {
    StoredLease first = writer("a");
    first.acquire();
    first.release();
    long before = now.get();
    StoredLease second = writer("b");
    second.acquire();
    assertThat(second.epoch()).hasValue(2);
    assertThat(now.get() - before).as("no wait for a released claim").isZero();
  }

  @Test
  void aSilentWriterIsSupersededAfterTheTimeoutAndThenFencedOff() throws Exception {
    StoredLease crashed = writer("a");
    crashed.acquire();
    long before = now.get();
    StoredLease next = writer("b");
    next.acquire();
    assertThat(next.epoch()).hasValue(2);
    assertThat(Duration.ofNanos(now.get() - before)).as("waited out the timeout").isGreaterThanOrEqualTo(TIMEOUT);
    // The "crashed" writer was only paused; it wakes up and must not write or publish anything.
    assertThatThrownBy(crashed::check).isInstanceOf(LeaseLostException.class);
    crashed.renew();
    assertThat(store.heartbeat(1)).as("a superseded writer stops renewing").hasValue(0);
  }

  @Test
  void aWriterThatCouldNotRenewForHalfTheTimeHoldsStillUntilARenewalGetsThrough() throws Exception {
    StoredLease writer = writer("a");
    writer.acquire();
    now.addAndGet(TIMEOUT.dividedBy(2).plusSeconds(1).toNanos());
    assertThatThrownBy(writer::check).isInstanceOf(RetriableException.class)
        .hasMessageContaining("could not renew its writer lease");
    writer.renew();
    writer.check();
    assertThat(store.epochs()).containsExactly(1L);
  }

  @Test
  void twoWritersRacingForOneEpochOnAStoreThatOverwritesEndWithOneWriter() throws Exception {
    RacingStore racing = new RacingStore(new CyclicBarrier(2));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<String>> outcomes = new ArrayList<>();
    for (String id : List.of("a", "b")) {
      outcomes.add(pool.submit(() -> {
        StoredLease lease = new StoredLease(racing, new StoredLease.Settings("s3a://lake/archive",
            Duration.ofSeconds(4), id, id), clock, System::nanoTime, Sleeper.REAL);
        try {
          lease.acquire();
          return "acquired " + id;
        } catch (CommitConflictException e) {
          return "refused";
        }
      }));
    }
    List<String> results = new ArrayList<>();
    for (Future<String> f : outcomes) {
      results.add(f.get());
    }
    pool.shutdown();
    assertThat(results).containsOnlyOnce("refused").hasSize(2);
    String winner = results.stream().filter(r -> r.startsWith("acquired")).findFirst().orElseThrow().substring(9);
    assertThat(racing.read(1).orElseThrow().writerId()).as("the claim on the store is the winner's")
        .isEqualTo(winner);
  }

  /** Both writers list the claims before either creates one: the race a store without atomic create allows. */
  private static final class RacingStore extends InMemoryLeaseStore {
    private final CyclicBarrier bothListed;

    RacingStore(CyclicBarrier bothListed) {
      super(false);
      this.bothListed = bothListed;
    }

    @Override
    public List<Long> epochs() {
      List<Long> epochs = super.epochs();
      if (epochs.isEmpty() && !bothListed.isBroken()) {
        try {
          bothListed.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return epochs;
    }
  }
}
