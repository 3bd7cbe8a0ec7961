package dev.archiver.spark.job;

import dev.archiver.ArchiverException;
import dev.archiver.backpressure.BackpressurePolicies;
import dev.archiver.backpressure.IntakeDecision;
import dev.archiver.commit.BatchCommitter;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.CommitLog;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.listener.CommitListener;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.checkpoint.OffsetLog;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.sink.DirectWriteCommitProtocol;
import dev.archiver.spark.sink.ParquetArchiveSink;
import dev.archiver.spark.source.KafkaSource;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming query: Kafka, parsed once, each micro-batch handed to a {@link BatchCommitter} from
 * {@code foreachBatch}. The manifest is published inside the batch, before Spark records the batch in its own
 * commit log; a crash between the two replays the batch, which the committer then skips.
 */
public final class ArchiveJob {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);
  /** Set by Spark on the thread that runs a query's batches. */
  private static final String QUERY_ID = "sql.streaming.queryId";

  private final SparkSession spark;
  private final ArchiverConfig config;
  private final List<CommitListener> listeners;
  private final Clock clock;
  private final BatchHook hook;

  public ArchiveJob(SparkSession spark, ArchiverConfig config, List<CommitListener> listeners) {
    this(spark, config, listeners, Clock.systemUTC(), BatchHook.NONE);
  }

  ArchiveJob(SparkSession spark, ArchiverConfig config, List<CommitListener> listeners, Clock clock,
      BatchHook hook) {
    // A session of its own: the job's SQL settings never leak into the caller's session.
    this.spark = spark.newSession();
    this.config = config;
    this.listeners = List.copyOf(listeners);
    this.clock = clock;
    this.hook = hook;
  }

  /** Starts the query; {@link #run} waits for it. */
  public StreamingQuery start() {
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    spark.conf().set("spark.sql.sources.commitProtocolClass", DirectWriteCommitProtocol.class.getName());
    // Streaming queries disable adaptive execution anyway; saying so up front spares a warning per start.
    spark.conf().set("spark.sql.adaptive.enabled", "false");
    Configuration hadoopConf = spark.sessionState().newHadoopConf();
    IntakeDecision intake = BackpressurePolicies.fromConfig(config.backpressure()).initial();
    LOG.info("intake limit {} records per batch ({}: {})", intake.maxRecordsPerBatch(), intake.policy(),
        intake.reason());
    RecordParser parser = RecordParser.of(config.schema());
    Dataset<Row> parsed = parser.parse(KafkaSource.read(spark, config.source(), intake));
    CommitLog log = new HadoopCommitLog(config.output().path(), hadoopConf);
    ParquetArchiveSink parquet = new ParquetArchiveSink(config.output(), parser, hadoopConf);
    ArchiveSink<Dataset<Row>> sink = (context, batch) -> {
      WrittenBatch written = parquet.write(context, batch);
      hook.at(BatchHook.Stage.AFTER_FILES, context.batchId());
      return written;
    };
    BatchCommitter<Dataset<Row>> committer = new BatchCommitter<>(sink, log, listeners, clock);
    OffsetLog offsets = new OffsetLog(config.output().checkpoint(), hadoopConf);

    VoidFunction2<Dataset<Row>, Long> perBatch = (batch, batchId) -> {
      String queryId = batch.sparkSession().sparkContext().getLocalProperty(QUERY_ID);
      hook.at(BatchHook.Stage.BEFORE_WRITE, batchId);
      committer.commit(new BatchContext(batchId, queryId, offsets.ranges(batchId), intake), batch);
      hook.at(BatchHook.Stage.AFTER_COMMIT, batchId);
    };
    try {
      return parsed.writeStream()
          .queryName(config.jobName())
          .option("checkpointLocation", config.output().checkpoint())
          .trigger(config.trigger().availableNow() ? Trigger.AvailableNow()
              : Trigger.ProcessingTime(config.trigger().interval().toMillis()))
          .foreachBatch(perBatch)
          .start();
    } catch (TimeoutException e) {
      throw new ArchiverException("the streaming query did not start: " + e.getMessage(), e);
    }
  }

  /** Runs until an available-now query is caught up, or until a processing-time query is stopped. */
  public void run() {
    StreamingQuery query = start();
    try {
      query.awaitTermination();
    } catch (StreamingQueryException e) {
      throw new ArchiverException("the archive query failed: " + e.getMessage(), e.getCause());
    }
  }
}
