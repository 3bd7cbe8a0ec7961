package dev.archiver.backpressure;

/**
 * Decides each batch's intake limit from the previous batch's statistics. Decisions are pure: no I/O, no clock
 * reads beyond what {@link BatchStats} carries, so they are unit-testable on recorded progress. Every decision
 * carries its reason, which is logged and stored in the batch's manifest.
 */
public interface BackpressurePolicy {
  /** The limit of the first batch of a run. */
  IntakeDecision initial();

  /** The limit of the batch after {@code last}. */
  IntakeDecision next(BatchStats last);
}
