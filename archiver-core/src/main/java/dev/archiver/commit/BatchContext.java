package dev.archiver.commit;

import dev.archiver.backpressure.IntakeDecision;
import java.util.List;

/**
 * What the engine knows about a batch before writing it.
 *
 * @param queryId the id of the streaming query, stable across restarts of one checkpoint
 * @param offsets the offsets the batch covers, from the engine's offset log
 */
public record BatchContext(long batchId, String queryId, List<OffsetRange> offsets, IntakeDecision intake) {
  public BatchContext {
    offsets = List.copyOf(offsets);
  }
}
