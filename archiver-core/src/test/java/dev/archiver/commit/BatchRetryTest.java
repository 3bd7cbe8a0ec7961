package dev.archiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.CommitConflictException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchRetryTest {
  private final List<Duration> waits = new ArrayList<>();
  private final BatchRetry retry = new BatchRetry(3, Duration.ofSeconds(2), waits::add);

  @Test
  void retriesAStorageOutageUntilItEnds() {
    AtomicInteger attempts = new AtomicInteger();
    String result = retry.run(4, () -> {
      if (attempts.incrementAndGet() < 3) {
        throw new UncheckedIOException(new java.io.IOException("Connection refused"));
      }
      return "committed";
    });
    assertThat(result).isEqualTo("committed");
    assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(4));
  }

  @Test
  void aBatchInterruptedBecauseTheQueryStopsIsNotRetried() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> retry.run(2, () -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("Job aborted", new InterruptedException());
    })).hasMessage("Job aborted");
    assertThat(attempts).as("stopping is not an outage to wait out").hasValue(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void givesUpAfterTheConfiguredRetries() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> retry.run(4, () -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("still down");
    })).hasMessage("still down");
    assertThat(attempts).hasValue(4);
  }

  @Test
  void neverRetriesAConflict() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> retry.run(4, () -> {
      attempts.incrementAndGet();
      throw new CommitConflictException("another query");
    })).isInstanceOf(CommitConflictException.class);
    assertThat(attempts).hasValue(1);
    assertThat(waits).isEmpty();
  }
}
