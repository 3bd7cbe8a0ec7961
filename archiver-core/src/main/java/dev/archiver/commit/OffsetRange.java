package dev.archiver.commit;

/** The offsets of one topic-partition a batch covers: {@code startOffset} inclusive, {@code endOffset} exclusive. */
public record OffsetRange(String topic, int partition, long startOffset, long endOffset) {
  public OffsetRange {
    if (endOffset < startOffset) {
      throw new IllegalArgumentException("offset range of " + topic + "-" + partition + " ends (" + endOffset
          + ") before it starts (" + startOffset + ")");
    }
  }

  public long size() {
    return endOffset - startOffset;
  }

  public String topicPartition() {
    return topic + "-" + partition;
  }
}
