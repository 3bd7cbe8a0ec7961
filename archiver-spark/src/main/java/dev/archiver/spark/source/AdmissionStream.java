package dev.archiver.spark.source;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.CompositeReadLimit;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxRows;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Spark's Kafka stream with the intake limit of {@link IntakeChannel} in place of the fixed per-query one. */
final class AdmissionStream implements MicroBatchStream, SupportsTriggerAvailableNow, ReportsSourceMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionStream.class);
  private final MicroBatchStream kafka;

  AdmissionStream(MicroBatchStream kafka) {
    this.kafka = kafka;
  }

  @Override
  public Offset latestOffset(Offset start, ReadLimit limit) {
    SparkContext sc = SparkSession.active().sparkContext();
    ReadLimit effective = IntakeChannel.limit(sc).map(max -> withMaxRows(limit, max)).orElse(limit);
    Offset latest = ((SupportsTriggerAvailableNow) kafka).latestOffset(start, effective);
    Offset available = ((SupportsTriggerAvailableNow) kafka).reportLatestOffset();
    if (available != null) {
      IntakeChannel.setLatestOffsets(sc, available.json());
    }
    LOG.debug("planned a batch with read limit {}", effective);
    return latest;
  }

  /** The same limit with its row cap replaced; a minimum-rows part (min-records-per-trigger) is kept. */
  static ReadLimit withMaxRows(ReadLimit limit, long maxRows) {
    if (limit instanceof CompositeReadLimit composite) {
      return ReadLimit.compositeLimit(Arrays.stream(composite.getReadLimits())
          .map(l -> l instanceof ReadMaxRows ? ReadLimit.maxRows(maxRows) : l).toArray(ReadLimit[]::new));
    }
    return ReadLimit.maxRows(maxRows);
  }

  @Override
  public ReadLimit getDefaultReadLimit() {
    return ((SupportsTriggerAvailableNow) kafka).getDefaultReadLimit();
  }

  @Override
  public Offset reportLatestOffset() {
    return ((SupportsTriggerAvailableNow) kafka).reportLatestOffset();
  }

  @Override
  public void prepareForTriggerAvailableNow() {
    ((SupportsTriggerAvailableNow) kafka).prepareForTriggerAvailableNow();
  }

  @Override
  public Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
    return ((ReportsSourceMetrics) kafka).metrics(latestConsumedOffset);
  }

  @Override
  public Offset latestOffset() {
    throw new UnsupportedOperationException("latestOffset(start, limit) is used with admission control");
  }

  @Override
  public InputPartition[] planInputPartitions(Offset start, Offset end) {
    return kafka.planInputPartitions(start, end);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return kafka.createReaderFactory();
  }

  @Override
  public Offset initialOffset() {
    return kafka.initialOffset();
  }

  @Override
  public Offset deserializeOffset(String json) {
    return kafka.deserializeOffset(json);
  }

  @Override
  public void commit(Offset end) {
    kafka.commit(end);
  }

  @Override
  public void stop() {
    kafka.stop();
  }
}
