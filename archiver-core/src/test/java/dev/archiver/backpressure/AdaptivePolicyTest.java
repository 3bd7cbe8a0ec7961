package dev.archiver.backpressure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AIMD decisions on recorded batch progress. */
class AdaptivePolicyTest {
  private static final long MIB = 1 << 20;
  private final AdaptivePolicy policy = new AdaptivePolicy(1_000, 100_000, 10_000, 5_000, 0.5, 512 * MIB,
      Duration.ofSeconds(30));

  private static BatchStats stats(IntakeDecision applied, long records, long seconds, long heapMib) {
    return new BatchStats(0, records, records * 400, Duration.ofSeconds(seconds), heapMib * MIB, applied);
  }

  @Test
  void growsAdditivelyWhileFullBatchesFinishInTimeAndUnderBudget() {
    IntakeDecision d = policy.initial();
    assertThat(d.maxRecordsPerBatch()).isEqualTo(10_000);
    d = policy.next(stats(d, 10_000, 5, 200));
    assertThat(d.maxRecordsPerBatch()).isEqualTo(15_000);
    assertThat(d.reason()).contains("full batch in time and under budget: +5000");
    d = policy.next(stats(d, 15_000, 8, 250));
    assertThat(d.maxRecordsPerBatch()).isEqualTo(20_000);
  }

  @Test
  void cutsMultiplicativelyOverBudgetOrOverTime() {
    IntakeDecision d = new IntakeDecision(40_000, "adaptive", "test");
    IntakeDecision heavy = policy.next(stats(d, 40_000, 10, 600));
    assertThat(heavy.maxRecordsPerBatch()).isEqualTo(20_000);
    assertThat(heavy.reason()).startsWith("heap peak 600 MiB over budget 512 MiB");
    IntakeDecision slow = policy.next(stats(d, 40_000, 45, 100));
    assertThat(slow.maxRecordsPerBatch()).isEqualTo(20_000);
    assertThat(slow.reason()).startsWith("batch took 45000 ms, over target 30000 ms");
  }

  @Test
  void keepsWhenCaughtUpOrNearTheEdge() {
    IntakeDecision d = new IntakeDecision(40_000, "adaptive", "test");
    assertThat(policy.next(stats(d, 3_000, 1, 100))).satisfies(n -> {
      assertThat(n.maxRecordsPerBatch()).isEqualTo(40_000);
      assertThat(n.reason()).contains("no backlog");
    });
    assertThat(policy.next(stats(d, 40_000, 27, 100)).maxRecordsPerBatch()).as("27s of a 30s target: no headroom")
        .isEqualTo(40_000);
  }

  @Test
  void staysWithinFloorAndCeiling() {
    IntakeDecision d = new IntakeDecision(1_500, "adaptive", "test");
    assertThat(policy.next(stats(d, 1_500, 60, 900)).maxRecordsPerBatch()).isEqualTo(1_000);
    IntakeDecision high = new IntakeDecision(98_000, "adaptive", "test");
    assertThat(policy.next(stats(high, 98_000, 1, 10)).maxRecordsPerBatch()).isEqualTo(100_000);
    IntakeDecision top = new IntakeDecision(100_000, "adaptive", "test");
    assertThat(policy.next(stats(top, 100_000, 1, 10)).reason()).contains("at ceiling");
  }

  @Test
  void aSpikeCutsTheLimitThenItGrowsBack() {
    // Recorded shape: steady load, a spike whose batches blow the heap budget, then steady again.
    long[] heapMib = {200, 220, 700, 650, 480, 300, 250, 240, 230, 220};
    List<Long> limits = new ArrayList<>();
    IntakeDecision d = new IntakeDecision(30_000, "adaptive", "test");
    for (long heap : heapMib) {
      d = policy.next(stats(d, d.maxRecordsPerBatch(), 5, heap));
      limits.add(d.maxRecordsPerBatch());
    }
    assertThat(limits).containsExactly(35_000L, 40_000L, 20_000L, 10_000L, 10_000L, 15_000L, 20_000L, 25_000L,
        30_000L, 35_000L);
  }
}
