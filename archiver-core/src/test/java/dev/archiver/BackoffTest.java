package dev.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void waitsDoubleUpToTheCap() {
    Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(30));
    assertThat(List.of(backoff.before(1), backoff.before(2), backoff.before(3), backoff.before(4), backoff.before(9)))
        .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30),
            Duration.ofSeconds(30));
    assertThat(backoff.total(5)).isEqualTo(Duration.ofSeconds(5 + 10 + 20 + 30 + 30));
    assertThat(backoff.total(0)).isEqualTo(Duration.ZERO);
  }

  @Test
  void aFirstWaitLongerThanTheCapIsKept() {
    Backoff backoff = Backoff.doubling(Duration.ofMinutes(3));
    assertThat(backoff.before(1)).isEqualTo(Duration.ofMinutes(3));
    assertThat(backoff.before(4)).isEqualTo(Duration.ofMinutes(3));
    assertThat(backoff.total(3)).isEqualTo(Duration.ofMinutes(9));
  }

  @Test
  void sleepsThroughTheSleeperWithoutOverflowingOnManyRetries() throws InterruptedException {
    List<Duration> slept = new ArrayList<>();
    Backoff backoff = Backoff.doubling(Duration.ofMillis(100));
    backoff.sleep(1, slept::add);
    backoff.sleep(10_000, slept::add);
    assertThat(slept).containsExactly(Duration.ofMillis(100), Backoff.MAX_WAIT);
  }

  @Test
  void refusesNegativeWaitsAndRetryZero() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(-1), Duration.ofSeconds(1)))
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> Backoff.doubling(Duration.ofSeconds(1)).before(0)).hasMessageContaining("from 1");
  }
}
