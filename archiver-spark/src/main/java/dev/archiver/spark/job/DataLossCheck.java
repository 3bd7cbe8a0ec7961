package dev.archiver.spark.job;

import dev.archiver.commit.BatchContext;
import dev.archiver.commit.OffsetRange;
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
 * Finds the offsets of a batch that Kafka deleted (retention) before the batch could read them. Spark's source skips
 * them silently when {@code failOnDataLoss} is off; the archiver logs them and records them in the manifest, where
 * {@code status} reports them. With {@code failOnDataLoss} on, Spark fails the query instead and nothing is asked.
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
      if (admin == null) {
        admin = new KafkaAdmin(source.bootstrapServers(), source.kafkaOptions());
      }
      String topics = ranges.stream().map(OffsetRange::topic).distinct().collect(Collectors.joining(","));
      Map<String, Long> earliest = new TreeMap<>();
      admin.startOffsets(Optional.of(topics), Optional.empty()).forEach((tp, o) -> earliest.put(tp.toString(), o));
      List<OffsetRange> lost = BatchContext.lost(ranges, earliest);
      if (!lost.isEmpty()) {
        LOG.warn("batch {}: {} records were deleted by Kafka retention before they were archived"
            + " (source.fail-on-data-loss is false; recorded in the manifest): {}", batchId,
            lost.stream().mapToLong(OffsetRange::size).sum(), lost);
      }
      return lost;
    } catch (RuntimeException e) {
      LOG.warn("batch {}: cannot check Kafka for data loss ({}); the batch proceeds", batchId, e.getMessage());
      return List.of();
    }
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
  }
}
