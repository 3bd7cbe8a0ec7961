package dev.archiver.metrics;

import java.util.Map;

/**
 * What one batch did, logged as one JSON line and exported to Prometheus.
 *
 * @param lag records behind the latest offset per topic-partition when the batch was planned
 * @param intakeLimit the limit this batch ran with; {@code nextLimit} and {@code decision} are the policy's call for
 *     the next batch
 */
public record BatchMetrics(long batchId, long records, long archived, long quarantined, long inputBytes,
    long durationMs, double recordsPerSecond, long intakeLimit, long nextLimit, String policy, String decision,
    Map<String, Long> lag, long heapUsedPeakBytes, long heapLivePeakBytes, long heapMaxBytes, int filesWritten,
    long bytesWritten, boolean heapAlert) {
  public BatchMetrics {
    lag = Map.copyOf(lag);
  }
}
