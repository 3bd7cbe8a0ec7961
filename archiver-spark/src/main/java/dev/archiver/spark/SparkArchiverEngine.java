package dev.archiver.spark;

import dev.archiver.RetriableException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.compaction.CompactionLog;
import dev.archiver.compaction.Compactor;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.listener.CommitListener;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.commit.HadoopCommitLog;
import dev.archiver.spark.commit.HadoopCompactionLog;
import dev.archiver.spark.compaction.ParquetRewriter;
import dev.archiver.vacuum.ArchiveStorage;
import dev.archiver.maintenance.MaintenanceReport;
import dev.archiver.maintenance.MaintenanceRequest;
import dev.archiver.spark.iceberg.IcebergMaintenance;
import dev.archiver.spark.job.ArchiveJob;
import dev.archiver.spark.job.Backfill;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.source.KafkaSource;
import dev.archiver.vacuum.ArchiveStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark engine, found by the CLI through {@link java.util.ServiceLoader}. */
public final class SparkArchiverEngine implements ArchiverEngine {
  /** Spark runs its shutdown hooks (SparkContext.stop among them) from one Hadoop hook of priority 40. */
  private static final int STOP_HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;
  /** How long a SIGTERM waits for the job to wind down; Airflow kills a task 5 s after its SIGTERM anyway. */
  private static final long STOP_WAIT_SECONDS = 20;

  @Override
  public List<ConfigError> validate(ArchiverConfig config) {
    List<ConfigError> errors = new ArrayList<>(RecordParser.validate(config.schema()));
    errors.addAll(KafkaSource.validate(config.source()));
    return errors;
  }

  @Override
  public List<ConfigError> resumeErrors(ArchiverConfig config,
      java.util.Optional<dev.archiver.commit.CommitManifest> last) {
    return dev.archiver.spark.parse.SchemaChange.check(config.schema(), last);
  }

  @Override
  public void run(ArchiverConfig config, List<CommitListener> listeners) {
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = session(config);
    ArchiveJob job = new ArchiveJob(spark, config, listeners);
    // SIGTERM (Airflow stopping a task, Ctrl-C) stops the query; the checkpoint and manifests make the cut safe.
    // Through Hadoop's hook manager, above Spark's own hooks, and waiting for run() to return: the query stops and the
    // job releases what it holds (its writer lease) before Spark stops its context and Hadoop closes the file systems.
    // A plain JVM hook runs alongside those and finds the context stopped under it.
    CountDownLatch finished = new CountDownLatch(1);
    Runnable hook = () -> {
      job.stop();
      try {
        finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    ShutdownHookManager.get().addShutdownHook(hook, STOP_HOOK_PRIORITY);
    try {
      job.run();
    } finally {
      finished.countDown();
      try {
        ShutdownHookManager.get().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or ran
      }
      if (!existed) {
        spark.stop();
      }
    }
  }

  @Override
  public List<CommitManifest> backfill(ArchiverConfig source, ArchiverConfig target, long fromBatch, long toBatch) {
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = session(target);
    try {
      return new Backfill(spark, source, target).run(fromBatch, toBatch);
    } finally {
      if (!existed) {
        spark.stop();
      }
    }
  }

  @Override
  public List<MaintenanceReport> maintain(ArchiverConfig config, MaintenanceRequest request) {
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = session(config);
    try {
      // A session of its own, as the archive job has: the catalog settings stay off the caller's session.
      SparkSession own = spark.newSession();
      config.sparkConf().forEach((k, v) -> {
        if (k.startsWith("spark.hadoop.")) {
          own.conf().set(k.substring("spark.hadoop.".length()), v);
        }
      });
      return new IcebergMaintenance(own, java.time.Clock.systemUTC()).run(config, request);
    } finally {
      if (!existed) {
        spark.stop();
      }
    }
  }

  @Override
  public CommitLog commitLog(String outputPath, Map<String, String> storageConf) {
    return new HadoopCommitLog(outputPath, hadoopConf(storageConf));
  }

  @Override
  public List<String> sampleExtra(List<String> fileUris, int limit, Map<String, String> storageConf) {
    Configuration conf = hadoopConf(storageConf);
    // Only the column read: Parquet skips the others' pages.
    conf.set(ReadSupport.PARQUET_READ_SCHEMA, "message archive { optional binary " + RecordParser.EXTRA
        + " (STRING); }");
    List<String> sample = new ArrayList<>();
    for (String uri : fileUris) {
      if (sample.size() >= limit) {
        break;
      }
      Path path = new Path(uri);
      try {
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
          if (!footer.getFileMetaData().getSchema().containsField(RecordParser.EXTRA)) {
            continue; // written with schema.unknown-fields other than keep
          }
        }
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf)
            .build()) {
          for (Group row = reader.read(); row != null && sample.size() < limit; row = reader.read()) {
            if (row.getFieldRepetitionCount(RecordParser.EXTRA) > 0) {
              sample.add(row.getString(RecordParser.EXTRA, 0));
            }
          }
        }
      } catch (IOException e) {
        throw new RetriableException("cannot read " + uri + " for a sample of " + RecordParser.EXTRA + ": "
            + e.getMessage(), e);
      }
    }
    return sample;
  }

  @Override
  public ArchiveStorage storage(Map<String, String> storageConf) {
    return new HadoopArchiveStorage(hadoopConf(storageConf));
  }

  @Override
  public CompactionLog compactionLog(String outputPath, Map<String, String> storageConf) {
    return new HadoopCompactionLog(outputPath, hadoopConf(storageConf));
  }

  @Override
  public Compactor.Rewriter rewriter(Map<String, String> storageConf, String compression) {
    return new ParquetRewriter(hadoopConf(storageConf), compression);
  }

  @Override
  public String fileSuffix(String compression) {
    return ParquetRewriter.fileSuffix(compression);
  }

  /** The Hadoop settings of {@code spark.hadoop.*} keys, as Spark would apply them, without starting Spark. */
  static Configuration hadoopConf(Map<String, String> sparkConf) {
    Configuration conf = new Configuration();
    sparkConf.forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return conf;
  }

  /** The caller's session when there is one (spark-submit, notebooks, tests); else a local one. */
  static SparkSession session(ArchiverConfig config) {
    SparkConf conf = new SparkConf();
    config.sparkConf().forEach(conf::set);
    if (!conf.contains("spark.master")) {
      // Local mode retries a failed task only with a failure count in the master URL, as a cluster would.
      conf.setMaster("local[*,4]");
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(config.jobName());
    }
    ExecutorJars.addTo(conf, config);
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
