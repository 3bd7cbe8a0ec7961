package dev.archiver.backpressure;

import java.time.Duration;

/**
 * Measured facts of a finished batch, the input of a {@link BackpressurePolicy}.
 *
 * @param inputBytes bytes of the Kafka record values the batch read
 * @param heapPeakBytes the highest live heap (after GC) seen while the batch ran
 */
public record BatchStats(long batchId, long numRecords, long inputBytes, Duration duration, long heapPeakBytes,
    IntakeDecision applied) {
  /** Whether the batch read all it was allowed to: a backlog is waiting. */
  public boolean full() {
    return numRecords >= applied.maxRecordsPerBatch() * 9 / 10;
  }
}
