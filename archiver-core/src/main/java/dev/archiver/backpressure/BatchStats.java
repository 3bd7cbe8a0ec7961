package dev.archiver.backpressure;

import java.time.Duration;

/** Measured facts of a finished batch, the input of a {@link BackpressurePolicy}. */
public record BatchStats(long batchId, long numRecords, long bytesWritten, Duration duration, long heapUsedBytes,
    IntakeDecision applied) {
}
