package dev.archiver.backpressure;

/** A constant limit: predictable batches, sized by the operator from the memory a batch may use. */
public record FixedPolicy(long maxRecordsPerBatch) implements BackpressurePolicy {
  @Override
  public IntakeDecision initial() {
    return decision();
  }

  @Override
  public IntakeDecision next(BatchStats last) {
    return decision();
  }

  private IntakeDecision decision() {
    return new IntakeDecision(maxRecordsPerBatch, "fixed", "configured backpressure.max-records-per-batch");
  }
}
