package dev.archiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.metrics.BatchMetrics;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressFormatTest {
  private static BatchMetrics batch(long id, long records, long quarantined, double rate, long limit, long next,
      Map<String, Long> lag) {
    return new BatchMetrics(id, records, records - quarantined, quarantined, records * 100, 1000, rate, limit, next,
        "adaptive", "grow", lag, 1, 1, 1, 1, 1, false);
  }

  @Test
  void aBatchLineHasTheBatchRecordsRateLagAndIntakeLimit() {
    ProgressFormat format = new ProgressFormat();
    assertThat(format.batch(batch(7, 12_345, 0, 4321.6, 20_000, 20_000, Map.of("t-0", 1000L, "t-1", 500L))))
        .isEqualTo("batch 7         12,345 records      4,322 rec/s  lag     1,500  intake limit 20,000");
    assertThat(format.batch(batch(8, 500, 20, 50, 500, 1000, Map.of())))
        .as("a limit the policy changes shows both; lag unknown; quarantined records counted")
        .isEqualTo("batch 8            500 records         50 rec/s  lag         ?  intake limit 500 -> 1,000  (20"
            + " quarantined)");
  }

  @Test
  void theBarShowsTheBacklogDoneAndLeftWithAnEtaAtTheRateSoFar() {
    ProgressFormat format = new ProgressFormat();
    assertThat(format.bar(80, Duration.ZERO)).isEqualTo("waiting for the first batch ...");
    // First batch: 2,500 read, 7,500 behind: a backlog of 10,000.
    format.batch(batch(0, 2500, 0, 1000, 2500, 2500, Map.of("t-0", 7500L)));
    // 2,500 records in 5 s: 500/s, so 7,500 left take 15 s.
    assertThat(format.bar(80, Duration.ofSeconds(5)))
        .isEqualTo("[======>                   ]  25%  2,500 of 10,000 records, 7,500 left, ETA 0:15");
    format.batch(batch(1, 7500, 0, 1000, 2500, 2500, Map.of("t-0", 0L)));
    assertThat(format.bar(80, Duration.ofSeconds(9)))
        .isEqualTo("[=================================] 100%  10,000 of 10,000 records, 0 left, done");
  }

  @Test
  void theBarFitsANarrowTerminalAndLongEtasReadAsHours() {
    ProgressFormat format = new ProgressFormat();
    format.batch(batch(0, 1, 0, 1, 1, 1, Map.of("t-0", 99_999L)));
    String bar = format.bar(40, Duration.ofSeconds(1));
    assertThat(bar).hasSizeLessThanOrEqualTo(40).startsWith("[");
    assertThat(ProgressFormat.clock(Duration.ofSeconds(99_999))).isEqualTo("27:46:39");
    assertThat(ProgressFormat.clock(Duration.ofSeconds(65))).isEqualTo("1:05");
  }
}
