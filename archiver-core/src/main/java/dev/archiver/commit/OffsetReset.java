package dev.archiver.commit;

/**
 * A partition whose offsets went backwards: the previous batch ended at {@code fromOffset}, but the topic now ends at
 * {@code toOffset}, below it. The topic was deleted and recreated (or its partition truncated): whatever followed
 * {@code fromOffset} in the old topic is gone, and the new topic's offsets below {@code toOffset} were skipped by the
 * source, which continues from {@code toOffset}.
 */
public record OffsetReset(String topic, int partition, long fromOffset, long toOffset) {
  public OffsetReset {
    if (toOffset >= fromOffset) {
      throw new IllegalArgumentException("offsets of " + topic + "-" + partition + " did not go back: " + fromOffset
          + " -> " + toOffset);
    }
  }

  /** Offsets of the topic as it is now that were never read: {@code [0, toOffset)}. */
  public long skipped() {
    return toOffset;
  }

  public String topicPartition() {
    return topic + "-" + partition;
  }
}
