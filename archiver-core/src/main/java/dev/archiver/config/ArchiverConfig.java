package dev.archiver.config;

import dev.archiver.commit.ArchiveLayout;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The validated configuration of one archiver job. Build it with {@link ConfigLoader}; the raw key/value map it
 * came from is kept for {@link #redacted()} dumps.
 */
public record ArchiverConfig(Source source, Schema schema, Output output, Trigger trigger, Backpressure backpressure,
    Metrics metrics, Notify notifications, String jobName, Map<String, String> sparkConf, Map<String, String> values) {

  public ArchiverConfig {
    sparkConf = Map.copyOf(sparkConf);
    values = Map.copyOf(values);
  }

  /** Where records come from. Exactly one of {@code topic} and {@code topicPattern} is present. */
  public record Source(String bootstrapServers, Optional<String> topic, Optional<String> topicPattern,
      String startingOffsets, boolean failOnDataLoss, Map<String, String> kafkaOptions) {
    public Source {
      kafkaOptions = Map.copyOf(kafkaOptions);
    }

    @Override
    public String toString() {
      return "Source[bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", topicPattern=" + topicPattern
          + ", kafkaOptions=" + Redaction.redact(new TreeMap<>(kafkaOptions)) + "]";
    }
  }

  /** How a record's JSON value is parsed and which of its fields decide where it goes. */
  public record Schema(String ddl, Optional<String> eventTimeColumn, List<String> requiredColumns,
      Optional<String> timestampFormat, Optional<EventTimeBounds> eventTimeBounds, UnknownFields unknownFields,
      boolean allowIncompatibleChange) {
    public Schema {
      requiredColumns = List.copyOf(requiredColumns);
      unknownFields = unknownFields == null ? UnknownFields.KEEP : unknownFields;
    }

    public Schema(String ddl, Optional<String> eventTimeColumn, List<String> requiredColumns,
        Optional<String> timestampFormat, Optional<EventTimeBounds> eventTimeBounds) {
      this(ddl, eventTimeColumn, requiredColumns, timestampFormat, eventTimeBounds, UnknownFields.KEEP, false);
    }

    public Schema(String ddl, Optional<String> eventTimeColumn, List<String> requiredColumns,
        Optional<String> timestampFormat) {
      this(ddl, eventTimeColumn, requiredColumns, timestampFormat, Optional.empty());
    }
  }

  /** What happens to a record's top-level fields that schema.ddl does not declare ({@code schema.unknown-fields}). */
  public enum UnknownFields {
    /** Kept as a JSON object in the {@code _extra} column, so the archive loses nothing. */
    KEEP,
    /** Discarded, as before there was a choice; no {@code _extra} column. */
    DROP,
    /** The record goes to the quarantine, its error naming the unknown fields. */
    QUARANTINE;

    public static UnknownFields of(String configValue) {
      return valueOf(configValue.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * How far an event time may lie before ({@code back}) and after ({@code ahead}) the time its batch ran; records
   * outside are quarantined.
   */
  public record EventTimeBounds(Duration back, Duration ahead) {
    @Override
    public String toString() {
      return Durations.human(back) + " before, " + Durations.human(ahead) + " after";
    }
  }

  /**
   * Where archive files, quarantine files, manifests and the checkpoint live.
   *
   * @param targetFileSize bytes at which a writer rolls to a new file
   * @param maxFilesPerPartition tasks that may write one archive partition per batch; empty: no shuffle, no bound
   * @param lateAfter how much older than its batch's time an event is late; empty: none is
   */
  public record Output(String path, String checkpoint, String quarantine, boolean partitionByHour,
      String compression, long maxRecordsPerFile, int retries, Duration retryWait, Duration leaseTimeout,
      long targetFileSize, Optional<Integer> maxFilesPerPartition, Optional<Duration> lateAfter, Format format,
      Optional<Iceberg> iceberg) {
    public Output {
      format = format == null ? Format.PARQUET : format;
      iceberg = iceberg == null ? Optional.empty() : iceberg;
      if (format == Format.ICEBERG && iceberg.isEmpty()) {
        throw new IllegalArgumentException("output.format iceberg needs its output.iceberg settings");
      }
    }

    /** Parquet files committed by manifests, without a table format. */
    public Output(String path, String checkpoint, String quarantine, boolean partitionByHour, String compression,
        long maxRecordsPerFile, int retries, Duration retryWait, Duration leaseTimeout, long targetFileSize,
        Optional<Integer> maxFilesPerPartition, Optional<Duration> lateAfter) {
      this(path, checkpoint, quarantine, partitionByHour, compression, maxRecordsPerFile, retries, retryWait,
          leaseTimeout, targetFileSize, maxFilesPerPartition, lateAfter, Format.PARQUET, Optional.empty());
    }

    /** Without size rolling (beyond the default target), a fan-out bound or a late horizon. */
    public Output(String path, String checkpoint, String quarantine, boolean partitionByHour, String compression,
        long maxRecordsPerFile, int retries, Duration retryWait, Duration leaseTimeout) {
      this(path, checkpoint, quarantine, partitionByHour, compression, maxRecordsPerFile, retries, retryWait,
          leaseTimeout, DEFAULT_TARGET_FILE_SIZE, Optional.empty(), Optional.empty());
    }

    /** 128 MiB, as output.target-file-size declares. */
    public static final long DEFAULT_TARGET_FILE_SIZE = 128L << 20;

    /** Directory of the commit manifests, the source of truth for readers other than Spark. */
    public String manifests() {
      return join(path, ArchiveLayout.MANIFESTS_DIR);
    }
  }

  /** What the archive is written as ({@code output.format}); a table format keeps manifests beside its table. */
  public enum Format {
    PARQUET, ICEBERG;

    public static Format of(String configValue) {
      return valueOf(configValue.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** How the Iceberg catalog is reached ({@code output.iceberg.catalog-type}). */
  public enum CatalogType {
    /** Metadata files in the warehouse, committed by rename: local disk or HDFS. */
    HADOOP,
    /** Table pointers in a JDBC database (SQLite, say); safe for object stores. */
    JDBC,
    /** A Spark catalog the user configures as {@code spark.sql.catalog.<name>.*}, used as it is. */
    SPARK;

    public static CatalogType of(String configValue) {
      return valueOf(configValue.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * The Iceberg tables of {@code output.format: iceberg}.
   *
   * @param warehouse root of the tables (hadoop and jdbc catalogs)
   * @param catalogUri the JDBC URL (jdbc catalog only)
   * @param table archive table, {@code namespace.name}
   * @param quarantineTable quarantine table in the same catalog
   */
  public record Iceberg(CatalogType catalogType, String catalogName, String warehouse, Optional<String> catalogUri,
      String table, String quarantineTable) {
  }

  /** When batches run. */
  public record Trigger(String mode, Duration interval) {
    public boolean availableNow() {
      return "available-now".equals(mode);
    }
  }

  /**
   * How each batch's intake limit is chosen; the adaptive fields are resolved (defaults derived).
   * {@code maxBytesPerBatch} caps either policy's record limit by the bytes of record values a batch may read.
   */
  public record Backpressure(String policy, long maxRecordsPerBatch, long minRecordsPerBatch,
      long initialRecordsPerBatch, long increaseRecords, double decreaseFactor, long memoryBudgetBytes,
      Duration targetBatchDuration, Optional<Long> minRecordsPerTrigger, Duration maxTriggerDelay,
      Optional<Long> maxBytesPerBatch) {
  }

  /** Per-batch metrics: the Prometheus endpoint and the heap alert. */
  public record Metrics(Optional<Integer> prometheusPort, double heapAlertRatio) {
  }

  /** Who hears of each committed batch, and how hard the archiver tries to tell them. */
  public record Notify(Optional<String> command, Duration commandTimeout, Optional<Airflow> airflow,
      int queueCapacity, int maxAttempts, Duration initialBackoff) {
  }

  /** An Airflow 3 deployment to trigger a DAG run per batch on; a token, or a username with a password. */
  public record Airflow(String url, String dagId, Optional<String> token, Optional<String> username,
      Optional<String> password) {
    @Override
    public String toString() {
      return "Airflow[url=" + url + ", dagId=" + dagId + ", credentials=" + Redaction.MASK + "]";
    }
  }

  /** Secrets masked: a config may end up in a log line. */
  @Override
  public String toString() {
    return "ArchiverConfig" + redacted();
  }

  /** Every set key with secrets masked: safe for logs, {@code status} and manifests. */
  public Map<String, String> redacted() {
    return Redaction.redact(new TreeMap<>(values));
  }

  static String join(String root, String child) {
    return root.endsWith("/") ? root + child : root + "/" + child;
  }
}
