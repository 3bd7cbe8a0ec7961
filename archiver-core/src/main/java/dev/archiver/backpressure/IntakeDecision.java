package dev.archiver.backpressure;

import java.util.Map;

/** How many Kafka records the next batch may read at most, and why. */
public record IntakeDecision(long maxRecordsPerBatch, String policy, String reason) {
  public IntakeDecision {
    if (maxRecordsPerBatch <= 0) {
      throw new IllegalArgumentException("maxRecordsPerBatch must be > 0, got " + maxRecordsPerBatch);
    }
  }

  public Map<String, String> asMap() {
    return Map.of("maxRecordsPerBatch", Long.toString(maxRecordsPerBatch), "policy", policy, "reason", reason);
  }
}
