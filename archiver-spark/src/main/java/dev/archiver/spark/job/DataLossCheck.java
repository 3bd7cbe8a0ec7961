package dev.archiver.spark.job;

import dev.archiver.RetriableException;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.KafkaAdmin;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the offsets of a batch that Kafka deleted (retention, a deletion) before the batch could read them, and the
 * partitions whose offsets went backwards (a recreated topic). Spark's source skips both silently when
 * {@code failOnDataLoss} is off; the archiver logs them and records them in the manifest, where {@code status}
 * reports them. With {@code failOnDataLoss} on, Spark fails the query instead and nothing is asked.
 *
 * <p>A batch can be retried, and Kafka can delete records between or during its attempts; so the loss is looked up
 * at the start of every attempt, and again after the attempt wrote its files: if it grew meanwhile, which records
 * the attempt read is unknown, and the attempt is abandoned for another that starts with the loss known.
 */
final class DataLossCheck implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataLossCheck.class);
  private final ArchiverConfig.Source source;
  private KafkaAdmin admin;

  DataLossCheck(ArchiverConfig.Source source) {
    this.source = source;
  }

  List<OffsetRange> lost(long batchId, List<OffsetRange> ranges) {
    if (source.failOnDataLoss() || ranges.stream().allMatch(r -> r.size() == 0)) {
      return List.of();
    }
    try {
      List<OffsetRange> lost = BatchContext.lost(ranges, earliest(ranges));
      if (!lost.isEmpty()) {
        LOG.warn("batch {}: {} records were deleted in Kafka before they were archived"
            + " (source.fail-on-data-loss is false; recorded in the manifest): {}", batchId,
            lost.stream().mapToLong(OffsetRange::size).sum(), lost);
      }
      return lost;
    } catch (RuntimeException e) {
      LOG.warn("batch {}: cannot check Kafka for data loss ({}); the batch proceeds", batchId, e.getMessage());
      return List.of();
    }
  }

  /**
   * After an attempt wrote its files: throws {@link RetriableException} when Kafka deleted more of the batch than
   * {@code known} since the attempt began, so that the next attempt reads and records what is left.
   */
  void confirm(long batchId, List<OffsetRange> ranges, List<OffsetRange> known) {
    if (source.failOnDataLoss() || ranges.stream().allMatch(r -> r.size() == 0)) {
      return;
    }
    List<OffsetRange> now;
    try {
      now = BatchContext.lost(ranges, earliest(ranges));
    } catch (RuntimeException e) {
      LOG.warn("batch {}: cannot check Kafka for data loss ({}); the batch proceeds", batchId, e.getMessage());
      return;
    }
    if (!now.equals(known)) {
      throw new RetriableException("batch " + batchId + ": Kafka deleted records of the batch while it was read ("
          + now + "); writing it again to know which records it holds", null);
    }
  }

  /** Partitions whose offsets went back before this batch, logged; from Spark's offset log. */
  List<OffsetReset> resets(long batchId, List<OffsetReset> resets) {
    if (!resets.isEmpty()) {
      LOG.warn("batch {}: offsets went backwards (topic recreated or truncated); the offsets below the new ends"
          + " were skipped and are recorded in the manifest (source.fail-on-data-loss is false): {}", batchId,
          resets);
    }
    return resets;
  }

  private Map<String, Long> earliest(List<OffsetRange> ranges) {
    if (admin == null) {
      admin = new KafkaAdmin(source.bootstrapServers(), source.kafkaOptions());
    }
    String topics = ranges.stream().map(OffsetRange::topic).distinct().collect(Collectors.joining(","));
    Map<String, Long> earliest = new TreeMap<>();
    admin.startOffsets(Optional.of(topics), Optional.empty()).forEach((tp, o) -> earliest.put(tp.toString(), o));
    return earliest;
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
  }
}
