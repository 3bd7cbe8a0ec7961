package dev.archiver.commit;

import dev.archiver.backpressure.IntakeDecision;
import java.time.Instant;
import java.util.List;

/**
 * What the engine knows about a batch before writing it.
 *
 * @param queryId the id of the streaming query, stable across restarts of one checkpoint
 * @param offsets the offsets the batch covers, from the engine's offset log
 * @param dataLoss the parts of {@code offsets} Kafka no longer held when the batch ran
 * @param offsetResets partitions whose offsets went backwards since the previous batch (a recreated topic)
 * @param batchTime when the engine planned the batch, the same on every replay of it (Spark's offset log keeps it):
 *     what {@code schema.event-time-bounds} are measured from
 */
public record BatchContext(long batchId, String queryId, List<OffsetRange> offsets, IntakeDecision intake,
    List<OffsetRange> dataLoss, List<OffsetReset> offsetResets, Instant batchTime) {
  public BatchContext {
    offsets = List.copyOf(offsets);
    dataLoss = List.copyOf(dataLoss);
    offsetResets = List.copyOf(offsetResets);
  }

  /** A batch without data loss, planned at the epoch (tests, engines without a batch time). */
  public BatchContext(long batchId, String queryId, List<OffsetRange> offsets, IntakeDecision intake) {
    this(batchId, queryId, offsets, intake, List.of(), List.of(), Instant.EPOCH);
  }

  /** The ranges below each partition's earliest available offset: deleted before this batch could read them. */
  public static List<OffsetRange> lost(List<OffsetRange> offsets, java.util.Map<String, Long> earliest) {
    return offsets.stream().filter(r -> earliest.getOrDefault(r.topicPartition(), 0L) > r.startOffset())
        .map(r -> new OffsetRange(r.topic(), r.partition(), r.startOffset(),
            Math.min(r.endOffset(), earliest.get(r.topicPartition()))))
        .toList();
  }
}
