package dev.archiver.spark.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.backpressure.BackpressurePolicy;
import dev.archiver.backpressure.BatchStats;
import dev.archiver.backpressure.IntakeDecision;
import dev.archiver.commit.BatchCommitter;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.BatchRetry;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import dev.archiver.metrics.BatchMetrics;
import dev.archiver.metrics.BatchObserver;
import dev.archiver.metrics.HeapSampler;
import dev.archiver.metrics.MetricsReporter;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.checkpoint.OffsetLog;
import dev.archiver.spark.source.IntakeChannel;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs for each micro-batch, on the query's thread: commit the batch, then measure it, let the back-pressure
 * policy decide the next batch's limit (logged with its reason, handed to the source) and report the metrics.
 */
final class BatchLoop {
  private static final Logger LOG = LoggerFactory.getLogger(BatchLoop.class);
  /** Set by Spark on the thread that runs a query's batches. */
  private static final String QUERY_ID = "sql.streaming.queryId";
  private static final TypeReference<Map<String, Map<String, Long>>> OFFSETS = new TypeReference<>() {
  };

  private final BatchCommitter<Dataset<Row>> committer;
  private final OffsetLog offsets;
  private final BackpressurePolicy policy;
  private final HeapSampler heap;
  private final MetricsReporter metrics;
  private final double heapAlertRatio;
  private final BatchHook hook;
  private final BatchRetry retry;
  private final DataLossCheck dataLoss;
  private final AtomicReference<IntakeDecision> intake;
  private final AtomicReference<WrittenBatch> lastWritten;
  private final ObjectMapper json = new ObjectMapper();
  private final List<BatchObserver> observers;

  BatchLoop(BatchCommitter<Dataset<Row>> committer, OffsetLog offsets, BackpressurePolicy policy, HeapSampler heap,
      MetricsReporter metrics, double heapAlertRatio, BatchHook hook, AtomicReference<WrittenBatch> lastWritten,
      BatchRetry retry, DataLossCheck dataLoss, List<BatchObserver> observers) {
    this.committer = committer;
    this.observers = List.copyOf(observers);
    this.offsets = offsets;
    this.policy = policy;
    this.heap = heap;
    this.metrics = metrics;
    this.heapAlertRatio = heapAlertRatio;
    this.hook = hook;
    this.intake = new AtomicReference<>(policy.initial());
    this.lastWritten = lastWritten;
    this.retry = retry;
    this.dataLoss = dataLoss;
  }

  IntakeDecision initial() {
    return intake.get();
  }

  void run(Dataset<Row> batch, long batchId) {
    SparkContext sc = batch.sparkSession().sparkContext();
    String queryId = sc.getLocalProperty(QUERY_ID);
    heap.takePeak();
    long started = System.nanoTime();
    IntakeDecision applied = intake.get();
    lastWritten.set(null);
    hook.at(BatchHook.Stage.BEFORE_WRITE, batchId);
    OffsetLog.Planned planned = offsets.planned(batchId);
    List<OffsetRange> ranges = planned.ranges();
    List<OffsetReset> resets = dataLoss.resets(batchId, planned.resets());
    Instant batchTime = planned.time();
    // The loss is looked up for each attempt and confirmed after its write: Kafka may delete records between retries.
    CommitManifest manifest = retry.run(batchId, () -> {
      List<OffsetRange> lost = dataLoss.lost(batchId, ranges);
      BatchContext context = new BatchContext(batchId, queryId, ranges, applied, lost, resets, batchTime);
      return committer.commit(context, batch, () -> dataLoss.confirm(batchId, ranges, lost));
    });
    hook.at(BatchHook.Stage.AFTER_COMMIT, batchId);

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    HeapSampler.Peak peak = heap.takePeak();
    long inputBytes = Optional.ofNullable(lastWritten.get()).map(WrittenBatch::inputBytes).orElse(0L);
    IntakeDecision next = policy.next(new BatchStats(batchId, manifest.numRecords(), inputBytes, took,
        peak.liveBytes(), applied));
    intake.set(next);
    IntakeChannel.setLimit(sc, next.maxRecordsPerBatch());
    if (next.maxRecordsPerBatch() != applied.maxRecordsPerBatch()) {
      LOG.info("batch {}: intake limit {} -> {} ({}: {})", batchId, applied.maxRecordsPerBatch(),
          next.maxRecordsPerBatch(), next.policy(), next.reason());
    }
    BatchMetrics m = new BatchMetrics(batchId, manifest.numRecords(), manifest.numArchived(),
        manifest.numQuarantined(), inputBytes, took.toMillis(),
        manifest.numRecords() * 1000.0 / Math.max(1, took.toMillis()), applied.maxRecordsPerBatch(),
        next.maxRecordsPerBatch(), next.policy(), next.reason(), lag(sc, manifest), peak.usedBytes(),
        peak.liveBytes(), peak.maxBytes(), manifest.files().size(), manifest.archivedBytes(),
        peak.maxBytes() > 0 && peak.liveBytes() > heapAlertRatio * peak.maxBytes());
    metrics.report(m);
    metrics.dataLoss(manifest.dataLoss().stream().mapToLong(OffsetRange::size).sum(), manifest.offsetResets().size());
    for (BatchObserver observer : observers) {
      try {
        observer.onBatch(m);
      } catch (RuntimeException e) { // a progress display never fails the stream
        LOG.warn("batch {}: {} failed: {}", batchId, observer.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** Records behind the latest offsets the source saw when it planned this batch, per topic-partition. */
  private Map<String, Long> lag(SparkContext sc, CommitManifest manifest) {
    Map<String, Long> lag = new TreeMap<>();
    Optional<String> latest = IntakeChannel.latestOffsets(sc);
    if (latest.isEmpty()) {
      return lag;
    }
    try {
      Map<String, Map<String, Long>> ends = json.readValue(latest.get(), OFFSETS);
      for (OffsetRange r : manifest.offsets()) {
        Long end = ends.getOrDefault(r.topic(), Map.of()).get(Integer.toString(r.partition()));
        if (end != null) {
          lag.put(r.topicPartition(), Math.max(0, end - r.endOffset()));
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot read the source's latest offsets: {}", e.getMessage());
    }
    return lag;
  }
}
