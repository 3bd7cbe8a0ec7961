package dev.archiver.backpressure;

import dev.archiver.config.ArchiverConfig;
import java.time.Duration;

/**
 * Additive increase, multiplicative decrease between a floor and a ceiling, as TCP sizes its window. A batch over
 * its memory budget or over its target duration cuts the limit by the decrease factor; a full batch (a backlog is
 * waiting) that finished with headroom on both grows it by one step; anything else keeps it. Growth stops short of
 * the budget and the target (80%), so the limit settles where batches fit instead of oscillating at the edge.
 */
public record AdaptivePolicy(long floor, long ceiling, long initialLimit, long step, double decreaseFactor,
    long memoryBudgetBytes, Duration targetDuration) implements BackpressurePolicy {
  static final String NAME = "adaptive";
  private static final double HEADROOM = 0.8;

  public static AdaptivePolicy of(ArchiverConfig.Backpressure c) {
    return new AdaptivePolicy(c.minRecordsPerBatch(), c.maxRecordsPerBatch(), c.initialRecordsPerBatch(),
        c.increaseRecords(), c.decreaseFactor(), c.memoryBudgetBytes(), c.targetBatchDuration());
  }

  @Override
  public IntakeDecision initial() {
    return decision(initialLimit, "initial limit");
  }

  @Override
  public IntakeDecision next(BatchStats last) {
    long current = last.applied().maxRecordsPerBatch();
    if (overBudget(last)) {
      return cut(current, "heap peak " + mib(last.heapPeakBytes()) + " over budget " + mib(memoryBudgetBytes));
    }
    if (tooSlow(last)) {
      return cut(current, "batch took " + last.duration().toMillis() + " ms, over target "
          + targetDuration.toMillis() + " ms");
    }
    if (!last.full()) {
      return decision(current, "batch not full (" + last.numRecords() + " of " + current + "): no backlog, keep");
    }
    if (!hasHeadroom(last)) {
      return decision(current, "full batch near budget or target (heap " + mib(last.heapPeakBytes()) + ", "
          + last.duration().toMillis() + " ms): keep");
    }
    long grown = Math.min(ceiling, current + step);
    return decision(grown, grown == current ? "at ceiling " + ceiling : "full batch in time and under budget: +"
        + (grown - current));
  }

  boolean overBudget(BatchStats last) {
    return last.heapPeakBytes() > memoryBudgetBytes;
  }

  boolean tooSlow(BatchStats last) {
    return last.duration().compareTo(targetDuration) > 0;
  }

  boolean hasHeadroom(BatchStats last) {
    return last.heapPeakBytes() < memoryBudgetBytes * HEADROOM
        && last.duration().toMillis() < targetDuration.toMillis() * HEADROOM;
  }

  private IntakeDecision cut(long current, String why) {
    long cut = Math.max(floor, (long) (current * decreaseFactor));
    return decision(cut, why + ": x" + decreaseFactor + (cut == floor ? " (at floor " + floor + ")" : ""));
  }

  private IntakeDecision decision(long limit, String reason) {
    return new IntakeDecision(limit, NAME, reason);
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
