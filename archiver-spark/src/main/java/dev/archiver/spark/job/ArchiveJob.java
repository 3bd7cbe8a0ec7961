package dev.archiver.spark.job;

import dev.archiver.ArchiverException;
import dev.archiver.Backoff;
import dev.archiver.CommitConflictException;
import dev.archiver.InvalidInputException;
import dev.archiver.Sleeper;
import dev.archiver.backpressure.BackpressurePolicies;
import dev.archiver.backpressure.IntakeDecision;
import dev.archiver.commit.BatchCommitter;
import dev.archiver.commit.BatchRetry;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.config.ConfigException;
import dev.archiver.kafka.KafkaPreflight;
import dev.archiver.lease.LeaseLostException;
import dev.archiver.listener.CommitListener;
import dev.archiver.listener.AsyncNotifier;
import dev.archiver.metrics.BatchObserver;
import dev.archiver.metrics.HeapSampler;
import dev.archiver.metrics.MetricsReporter;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.checkpoint.OffsetLog;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.iceberg.IcebergArchiveSink;
import dev.archiver.spark.iceberg.IcebergCatalog;
import dev.archiver.spark.iceberg.IcebergTables;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.parse.SchemaChange;
import dev.archiver.spark.sink.DirectWriteCommitProtocol;
import dev.archiver.spark.sink.ParquetArchiveSink;
import dev.archiver.spark.source.KafkaSource;
import dev.archiver.vacuum.QuarantineClaims;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.catalog.Catalog;
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
public final class ArchiveJob implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);
  private static final String CHECKPOINT_MANAGER = "spark.sql.streaming.checkpointFileManagerClass";
  private static final String TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType";
  private static final String CONCURRENT_WRITERS = "spark.sql.maxConcurrentOutputFileWriters";
  private static final String PLANNED_WRITE = "spark.sql.optimizer.plannedWrite.enabled";
  private static final String JSON_FILTER_PUSHDOWN = "spark.sql.json.filterPushdown.enabled";
  private static final String PARQUET_CHECK_MIN = "parquet.page.size.row.check.min";
  private static final String PARQUET_CHECK_MAX = "parquet.page.size.row.check.max";
  private static final String PARQUET_MEMORY_POOL = "parquet.memory.pool.ratio";
  private static final String DATETIME_REBASE = "spark.sql.parquet.datetimeRebaseModeInWrite";
  private static final String INT96_REBASE = "spark.sql.parquet.int96RebaseModeInWrite";

  private final SparkSession spark;
  private final ArchiverConfig config;
  private final List<CommitListener> listeners;
  private final Clock clock;
  private final BatchHook hook;
  private final HeapSampler heap = new HeapSampler(Duration.ofMillis(100));
  private final MetricsReporter metrics;
  private final DataLossCheck dataLoss;
  private final AtomicReference<StreamingQuery> current = new AtomicReference<>();
  private HeldLease lease;
  private volatile RuntimeException fatal;
  private volatile boolean stopped;

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
    this.metrics = new MetricsReporter(config.metrics().prometheusPort());
    metrics.watch(listeners.stream().filter(AsyncNotifier.class::isInstance).map(AsyncNotifier.class::cast).toList());
    this.dataLoss = new DataLossCheck(config.source());
  }

  /** Starts the query; {@link #run} waits for it and releases the job's sampler and metrics endpoint. */
  public StreamingQuery start() {
    configure(spark, config);
    Configuration hadoopConf = spark.sessionState().newHadoopConf();
    boolean iceberg = config.output().format() == ArchiverConfig.Format.ICEBERG;
    if (!iceberg) {
      // Jobs may share a quarantine root: vacuum keeps what the manifests of every job that claimed it list.
      QuarantineClaims.claim(new HadoopArchiveStorage(hadoopConf), config.output().quarantine(),
          config.output().path());
    }
    RecordParser parser = RecordParser.of(config.schema());
    CommitLog log = new HadoopCommitLog(config.output().path(), hadoopConf);
    Optional<CommitManifest> last = log.latest();
    // A schema.ddl that drops or retypes a column the archive has stops the job before it writes a file.
    List<ConfigError> schemaChanges = SchemaChange.check(config.schema(), last);
    if (!schemaChanges.isEmpty()) {
      throw new ConfigException(schemaChanges);
    }
    // A wrong password or a recreated topic stops the job here, naming the setting, instead of after Spark's retries.
    KafkaPreflight.check(config.source(), last);
    if (lease == null) {
      // One driver per output, decided before the query writes anything.
      lease = HeldLease.acquire(config, hadoopConf, this::leaseLost);
    }
    ArchiveSink<Dataset<Row>> format = iceberg ? icebergSink(parser)
        : new ParquetArchiveSink(config.output(), parser, hadoopConf);
    AtomicReference<WrittenBatch> lastWritten = new AtomicReference<>();
    ArchiveSink<Dataset<Row>> sink = (context, batch) -> {
      WrittenBatch written = format.write(context, batch);
      lastWritten.set(written);
      hook.at(BatchHook.Stage.AFTER_FILES, context.batchId());
      return written;
    };
    BatchLoop loop = new BatchLoop(new BatchCommitter<>(sink, log, listeners, clock, lease.lease()),
        new OffsetLog(config.output().checkpoint(), hadoopConf), BackpressurePolicies.fromConfig(config.backpressure()),
        heap, metrics, config.metrics().heapAlertRatio(), hook, lastWritten,
        new BatchRetry(config.output().retries(), config.output().retryWait(), Sleeper.REAL), dataLoss,
        listeners.stream().filter(BatchObserver.class::isInstance).map(BatchObserver.class::cast).toList());
    IntakeDecision intake = loop.initial();
    LOG.info("intake limit {} records per batch ({}: {})", intake.maxRecordsPerBatch(), intake.policy(),
        intake.reason());
    // Parsed inside each micro-batch (ParquetArchiveSink), where Spark's JSON parser can be fed the values' bytes.
    Dataset<Row> kafka = KafkaSource.read(spark, config, intake);
    VoidFunction2<Dataset<Row>, Long> perBatch = (batch, batchId) -> loop.run(batch, batchId);
    try {
      return kafka.writeStream()
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

  /** The Iceberg tables, made ready (created, or checked and evolved) before the query reads a record. */
  private ArchiveSink<Dataset<Row>> icebergSink(RecordParser parser) {
    Catalog catalog = IcebergCatalog.register(spark, config);
    IcebergTables.prepare(catalog, config);
    return new IcebergArchiveSink(config.output().iceberg().orElseThrow(), parser, catalog,
        batchId -> hook.at(BatchHook.Stage.BETWEEN_TABLE_COMMITS, batchId));
  }

  @Override
  public void close() {
    if (lease != null) {
      lease.close();
    }
    dataLoss.close();
    heap.close();
    metrics.close();
  }

  /**
   * Runs until an available-now query is caught up, or until a processing-time query is stopped. A query that fails
   * for a reason a wait can fix (storage or broker away longer than the batch retries) is restarted from its
   * checkpoint, up to {@code commit.retry.num-retries} times with doubling waits; a restart replays the unfinished
   * batch, which the commit protocol makes safe.
   */
  public void run() {
    try {
      Backoff backoff = Backoff.doubling(config.output().retryWait());
      for (int restart = 1; ; restart++) {
        try {
          StreamingQuery query = start();
          current.set(query);
          if (stopped) {
            query.stop();
          }
          query.awaitTermination();
          if (fatal != null) {
            throw fatal;
          }
          return;
        } catch (Exception e) { // a failed query, or one that could not start (its checkpoint's storage is away)
          if (fatal != null) {
            throw fatal;
          }
          RuntimeException failure = failure(e);
          if (stopped) {
            return;
          }
          if (!restartable(e) || restart > config.output().retries()) {
            throw failure;
          }
          LOG.warn("the archive query failed ({}); restarting from the checkpoint in {} ms ({}/{})",
              ArchiverException.rootMessage(e), backoff.before(restart).toMillis(), restart, config.output().retries());
          backoff.sleep(restart, Sleeper.REAL);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiverException("interrupted while waiting to restart the archive query", e);
    } finally {
      close();
    }
  }

  /** Stops the running query and any restart; {@link #run} returns. Safe from any thread, e.g. a shutdown hook. */
  public void stop() {
    stopped = true;
    StreamingQuery query = current.get();
    if (query != null) {
      try {
        query.stop();
      } catch (TimeoutException e) {
        LOG.warn("the archive query did not stop in time: {}", e.getMessage());
      }
    }
  }

  /** Another driver took the output over: stop now, even if no batch is due, and fail the run. */
  private void leaseLost(String why) {
    fatal = new LeaseLostException(why + "; this driver stopped");
    stop();
  }

  private static RuntimeException failure(Exception e) {
    if (e instanceof ArchiverException known) {
      return known;
    }
    if (!(e instanceof StreamingQueryException)) {
      return new ArchiverException("the archive query could not start: " + ArchiverException.rootMessage(e), e);
    }
    String hint = String.valueOf(e.getMessage()).contains("failOnDataLoss")
        ? " (Kafka deleted offsets before they were archived; set source.fail-on-data-loss: false to skip them"
            + " and record the loss in the manifests)" : "";
    return new ArchiverException("the archive query failed" + hint + ": " + e.getMessage(), e.getCause());
  }

  /** Bad input, another writer's state, data loss and JVM errors stop the job; anything else may pass. */
  private static boolean restartable(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidInputException || t instanceof CommitConflictException || t instanceof Error) {
        return false;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return !String.valueOf(e.getMessage()).contains("failOnDataLoss");
  }

  /**
   * The config's Spark settings on the job's own session: {@code spark.sql.*} as they are, {@code spark.hadoop.*}
   * as Hadoop keys (so storage settings apply even to a session created before, as under spark-submit); then the
   * archiver's own defaults for what the config leaves unset, among them the abortable-stream checkpoint manager when
   * the checkpoint is on S3, where rename is a copy and not atomic.
   */
  static void configure(SparkSession spark, ArchiverConfig config) {
    applyConf(spark, config);
    spark.conf().set("spark.sql.session.timeZone", "UTC");
    spark.conf().set("spark.sql.sources.commitProtocolClass", DirectWriteCommitProtocol.class.getName());
    // Streaming queries disable adaptive execution anyway; saying so up front spares a warning per start.
    spark.conf().set("spark.sql.adaptive.enabled", "false");
  }

  private static void applyConf(SparkSession spark, ArchiverConfig config) {
    config.sparkConf().forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        spark.conf().set(k.substring("spark.hadoop.".length()), v);
      } else if (k.startsWith("spark.sql.")) {
        spark.conf().set(k, v);
      }
    });
    String scheme = URI.create(config.output().checkpoint()).getScheme();
    if (scheme != null && scheme.startsWith("s3")) {
      setUnlessConfigured(spark, config, CHECKPOINT_MANAGER,
          "org.apache.spark.internal.io.cloud.AbortableStreamBasedCheckpointFileManager");
    }
    // INT64 microseconds, not Spark's legacy INT96: every reader of the archive (DuckDB, Trino, Athena, Spark)
    // reads it, files are smaller and the writer's dictionaries cheaper (bench/RESULTS.md).
    setUnlessConfigured(spark, config, TIMESTAMP_TYPE, "TIMESTAMP_MICROS");
    // One open writer per partition value instead of sorting each task's rows by partition first: the sort holds a
    // task's whole share of the batch in memory (live heap 412 -> 252 MiB in bench/'s burst). Spark plans that sort
    // into the query unless planned writes are off; past 16 partition values in one task it sorts the rest.
    setUnlessConfigured(spark, config, CONCURRENT_WRITERS, "16");
    setUnlessConfigured(spark, config, PLANNED_WRITE, "false");
    // Dates before 1582 and timestamps before 1900 as they are (proleptic Gregorian, what every current reader
    // expects), not rebased for Spark 2 readers: Spark's default refuses them (WRITE_ANCIENT_DATETIME), and one event
    // time of year 1 would fail its batch on every retry, stopping the archive for good.
    setUnlessConfigured(spark, config, DATETIME_REBASE, "CORRECTED");
    setUnlessConfigured(spark, config, INT96_REBASE, "CORRECTED");
    // Parquet checks a writer's page size every 100 rows by default: with records of megabytes, a page of hundreds of
    // MB per open writer, and as much again to compress it (200 records of 8 MB ran out of a 1 GiB heap; every 10 rows
    // still did). Pages every 2 rows, row groups at most 100 rows apart, and all open writers together within half
    // the heap (Parquet's memory manager shrinks their row groups to fit); small records pay a size check per 2 rows.
    setHadoopUnlessConfigured(spark, config, PARQUET_CHECK_MIN, "2");
    setHadoopUnlessConfigured(spark, config, PARQUET_CHECK_MAX, "100");
    setHadoopUnlessConfigured(spark, config, PARQUET_MEMORY_POOL, "0.5");
    // The archiver pushes no filter into its JSON parser; with pushdown on, Spark's parser still consults an empty
    // filter set for every field of every record.
    setUnlessConfigured(spark, config, JSON_FILTER_PUSHDOWN, "false");
  }

  /** A Hadoop setting (config key {@code spark.hadoop.<key>}), on the session that writes the files. */
  private static void setHadoopUnlessConfigured(SparkSession spark, ArchiverConfig config, String key, String value) {
    if (!config.sparkConf().containsKey("spark.hadoop." + key)) {
      spark.conf().set(key, value);
    }
  }

  private static void setUnlessConfigured(SparkSession spark, ArchiverConfig config, String key, String value) {
    if (!config.sparkConf().containsKey(key)) {
      spark.conf().set(key, value);
    }
  }
}
