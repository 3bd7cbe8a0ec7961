package dev.archiver.backpressure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.config.ConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The byte bound on recorded batches: big records shrink the record limit, small ones leave the policy's own. */
class ByteBoundPolicyTest {
  private static final long MIB = 1 << 20;

  private static BatchStats stats(IntakeDecision applied, long records, long bytesPerRecord) {
    return new BatchStats(0, records, records * bytesPerRecord, Duration.ofSeconds(5), 100 * MIB, applied);
  }

  @Test
  void capsTheRecordLimitByTheBytesOfTheBatchBefore() {
    ByteBoundPolicy policy = new ByteBoundPolicy(new FixedPolicy(100_000), 256 * MIB);
    IntakeDecision first = policy.initial();
    assertThat(first.maxRecordsPerBatch()).as("1 MiB per record assumed before a batch is measured")
        .isEqualTo(256);
    assertThat(first.reason()).contains("capped at 256 records by backpressure.max-bytes-per-batch 256.0 MiB"
        + " (assumed 1.0 MiB per record)");
    IntakeDecision big = policy.next(stats(first, 256, 8 * MIB));
    assertThat(big.maxRecordsPerBatch()).isEqualTo(32);
    assertThat(big.reason()).contains("measured 8.0 MiB per record");
    IntakeDecision small = policy.next(stats(big, 32, 1024));
    assertThat(small.maxRecordsPerBatch()).as("the fixed limit, far below 256 MiB of 1 KiB records")
        .isEqualTo(100_000);
    assertThat(small.reason()).isEqualTo("configured backpressure.max-records-per-batch");
    assertThat(policy.next(stats(small, 0, 0)).maxRecordsPerBatch()).as("nothing measured: assume again")
        .isEqualTo(256);
  }

  @Test
  void theAdaptivePolicyGrowsFromTheCappedLimit() {
    ByteBoundPolicy policy = new ByteBoundPolicy(new AdaptivePolicy(10, 10_000, 1_000, 500, 0.5, 512 * MIB,
        Duration.ofSeconds(30)), 64 * MIB);
    IntakeDecision capped = policy.next(stats(new IntakeDecision(1_000, "adaptive", "x"), 1_000, MIB));
    assertThat(capped.maxRecordsPerBatch()).isEqualTo(64);
    assertThat(capped.policy()).isEqualTo("adaptive");
    IntakeDecision next = policy.next(stats(capped, 64, 64 * 1024));
    assertThat(next.maxRecordsPerBatch()).as("AIMD from the applied 64: +500").isEqualTo(564);
  }

  @Test
  void configWrapsEitherPolicy() {
    Map<String, String> base = Map.of("source.topic", "t", "schema.ddl", "id STRING", "output.path", "/a",
        "backpressure.max-bytes-per-batch", "128m");
    assertThat(BackpressurePolicies.fromConfig(ConfigLoader.fromMap(base).backpressure()))
        .isInstanceOfSatisfying(ByteBoundPolicy.class, p -> assertThat(p.maxBytes()).isEqualTo(128 * MIB));
    assertThat(BackpressurePolicies.fromConfig(ConfigLoader.fromMap(Map.of("source.topic", "t", "schema.ddl",
        "id STRING", "output.path", "/a")).backpressure())).isInstanceOf(FixedPolicy.class);
  }
}
