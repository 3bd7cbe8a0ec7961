package dev.archiver.backpressure;

/**
 * Caps another policy's record limit so that a batch reads about {@code maxBytes} of record values at most. Kafka
 * offsets say nothing of sizes, so the cap is in records: {@code maxBytes} over the average value size of the batch
 * before, or over {@link #ASSUMED_RECORD_BYTES} when no batch of the run has been measured yet (or the last read
 * nothing). The wrapped policy sees the capped limit as the one applied, so it grows from there.
 */
public record ByteBoundPolicy(BackpressurePolicy policy, long maxBytes) implements BackpressurePolicy {
  /** Kafka's default largest message ({@code max.message.bytes}): the guess before a batch is measured. */
  public static final long ASSUMED_RECORD_BYTES = 1 << 20;

  public ByteBoundPolicy {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
    }
  }

  @Override
  public IntakeDecision initial() {
    return cap(policy.initial(), ASSUMED_RECORD_BYTES, "assumed");
  }

  @Override
  public IntakeDecision next(BatchStats last) {
    IntakeDecision wanted = policy.next(last);
    if (last.numRecords() == 0 || last.inputBytes() <= 0) {
      return cap(wanted, ASSUMED_RECORD_BYTES, "assumed");
    }
    long perRecord = (last.inputBytes() + last.numRecords() - 1) / last.numRecords();
    return cap(wanted, perRecord, "measured");
  }

  private IntakeDecision cap(IntakeDecision wanted, long bytesPerRecord, String how) {
    long records = Math.max(1, maxBytes / Math.max(1, bytesPerRecord));
    if (records >= wanted.maxRecordsPerBatch()) {
      return wanted;
    }
    return new IntakeDecision(records, wanted.policy(), wanted.reason() + "; capped at " + records
        + " records by backpressure.max-bytes-per-batch " + mib(maxBytes) + " (" + how + " " + mib(bytesPerRecord)
        + " per record)");
  }

  private static String mib(long bytes) {
    return bytes >= 1 << 20 ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0)
        : bytes + " bytes";
  }
}
