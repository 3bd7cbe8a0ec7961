package dev.archiver.config;

import static dev.archiver.config.ConfigKey.optional;
import static dev.archiver.config.ConfigKey.prefix;
import static dev.archiver.config.ConfigKey.withoutDefault;

import java.util.List;
import java.util.Optional;

/**
 * Every key the archiver reads, declared once: the loader validates against this list, and {@code --help} and the
 * README's config reference are generated from it ({@code bin/archiver config-reference}).
 */
public final class ArchiverConfigKeys {
  public static final ConfigKey BOOTSTRAP_SERVERS = optional("source.bootstrap-servers", ValueType.string(),
      "localhost:9092", "Kafka bootstrap servers, host:port[,host:port].");
  public static final ConfigKey TOPIC = withoutDefault("source.topic", ValueType.string(),
      "Topic to archive (comma-separated for several). Set this or source.topic-pattern.");
  public static final ConfigKey TOPIC_PATTERN = withoutDefault("source.topic-pattern", ValueType.string(),
      "Java regex of topics to archive. Set this or source.topic.");
  public static final ConfigKey STARTING_OFFSETS = optional("source.starting-offsets",
      ValueType.oneOf("earliest", "latest"), "earliest",
      "Where a new checkpoint starts reading; a restarted query always continues from its checkpoint.");
  public static final ConfigKey FAIL_ON_DATA_LOSS = optional("source.fail-on-data-loss", ValueType.bool(), "true",
      "Fail the query when offsets expired or were deleted before they were archived (else log and skip them).");
  public static final ConfigKey KAFKA_OPTIONS = prefix("source.kafka.",
      "Any Kafka consumer property, passed through (security.protocol, sasl.jaas.config, ssl.*). "
          + "Secrets are redacted in logs and manifests. max.poll.records defaults to 50000 here (the consumer's "
          + "own default, 500, costs Spark's reader a broker round trip per 500 records); isolation.level defaults "
          + "to read_committed (records of aborted transactions are not archived; their offsets stay inside the "
          + "manifests' ranges).");

  public static final ConfigKey SCHEMA_DDL = withoutDefault("schema.ddl", ValueType.string(),
      "Schema of the JSON records as a Spark DDL string, e.g. 'id STRING, ts TIMESTAMP, latency_ms INT'.");
  public static final ConfigKey EVENT_TIME_COLUMN = withoutDefault("schema.event-time-column", ValueType.string(),
      "Column (in schema.ddl, TIMESTAMP) that partitions the archive by event date. "
          + "Unset: the Kafka record timestamp is used.");
  public static final ConfigKey REQUIRED_COLUMNS = withoutDefault("schema.required-columns", ValueType.list(),
      "Columns that must be present and non-null, else the record is quarantined. "
          + "Unset: the event-time column, if any.");
  public static final ConfigKey TIMESTAMP_FORMAT = withoutDefault("schema.timestamp-format", ValueType.string(),
      "Pattern for TIMESTAMP fields (Spark datetime pattern). Unset: ISO-8601.");

  public static final ConfigKey EVENT_TIME_BOUNDS = withoutDefault("schema.event-time-bounds", ValueType.bounds(),
      "How far an event time may lie before and after the time its batch ran (from Spark's offset log, the same on "
          + "a replay), as BACK,AHEAD, e.g. 7d,1d. Records outside go to the quarantine with the reason, so a bad "
          + "clock or a forged event can neither widen a dbt batch window nor scatter a batch over thousands of "
          + "partitions. Unset: no bounds (a backfill of old events needs wide ones).");

  public static final ConfigKey UNKNOWN_FIELDS = optional("schema.unknown-fields",
      ValueType.oneOf("keep", "drop", "quarantine"), "keep",
      "Top-level fields of a record that schema.ddl does not declare. keep: archived in the column _extra (a JSON "
          + "object of those fields, values exactly as sent; null when there are none), counted per batch in the "
          + "manifest's unknownFields and suggested as columns by 'archiver schema suggest'. drop: discarded (no "
          + "_extra column). quarantine: the record goes to the quarantine, its error naming the fields.");
  public static final ConfigKey ALLOW_SCHEMA_CHANGE = optional("schema.allow-incompatible-change", ValueType.bool(),
      "false", "Start even though schema.ddl removes a column, narrows or changes a column's type, or requires a "
          + "column the last committed batch did not have (the --allow-schema-change flag). Adding nullable columns "
          + "never needs it.");

  public static final ConfigKey OUTPUT_PATH = withoutDefault("output.path", ValueType.string(),
      "Archive root: a local path, file:// or s3a:// URI.");
  public static final ConfigKey CHECKPOINT = withoutDefault("output.checkpoint", ValueType.string(),
      "Spark checkpoint location. Unset: <output.path>/_archiver/checkpoint.");
  public static final ConfigKey QUARANTINE = withoutDefault("output.quarantine", ValueType.string(),
      "Where records that fail to parse go, with their raw value, error and Kafka coordinates. "
          + "Unset: <output.path>/_quarantine.");
  public static final ConfigKey PARTITION_BY_HOUR = optional("output.partition-by-hour", ValueType.bool(), "false",
      "Partition by event_date and event_hour instead of event_date alone.");
  public static final ConfigKey COMPRESSION = optional("output.compression",
      ValueType.oneOf("snappy", "zstd", "gzip", "lz4", "none"), "snappy", "Parquet compression codec.");
  public static final ConfigKey MAX_RECORDS_PER_FILE = optional("output.max-records-per-file",
      ValueType.positiveLong(), "1000000", "Roll to a new Parquet file after this many records.");
  public static final ConfigKey TARGET_FILE_SIZE = optional("output.target-file-size", ValueType.size(), "128m",
      "Size at which a writer rolls to a new Parquet file (estimated from the Parquet writer's buffered and written "
          + "bytes, checked every 100 rows), so file sizes follow this rather than the batch cadence; also the "
          + "target of archiver compact. Every rolled file is listed in the manifest like any other.");
  public static final ConfigKey MAX_FILES_PER_PARTITION = withoutDefault("output.max-files-per-partition-per-batch",
      ValueType.positiveLong(), "At most this many tasks write each archive partition in one batch (each may "
          + "still roll by output.target-file-size), by shuffling the batch by partition first: fewer, larger files "
          + "for a shuffle of the batch (bench/RESULTS.md). Unset: no shuffle; every task writes each partition its "
          + "records fall in.");
  public static final ConfigKey LATE_AFTER = withoutDefault("output.late-after", ValueType.duration(),
      "Events whose event time is older than this before their batch's time (from Spark's offset log, the same on "
          + "a replay) are late: they still land in their own partition, and the manifest lists the partitions with "
          + "late rows and how many (latePartitions), for the dbt hook to rerun those windows and status to report. "
          + "E.g. 2d. Unset: nothing is counted late.");
  public static final ConfigKey FORMAT = optional("output.format", ValueType.oneOf("parquet", "iceberg"), "parquet",
      "What the archive is. parquet: Parquet files under output.path, committed by the manifests. iceberg: an Apache "
          + "Iceberg table (output.iceberg.*), committed by Iceberg snapshots that carry the query and batch id; the "
          + "manifests, checkpoint and lease stay under output.path.");
  public static final ConfigKey ICEBERG_CATALOG_TYPE = optional("output.iceberg.catalog-type",
      ValueType.oneOf("hadoop", "jdbc", "spark"), "hadoop",
      "The Iceberg catalog holding the tables. hadoop: metadata files in output.iceberg.warehouse, committed by "
          + "rename (local or HDFS only; unsafe on S3). jdbc: a JDBC database holds the table pointers, e.g. SQLite "
          + "(output.iceberg.catalog-uri), for s3a:// warehouses. spark: a catalog you configure yourself as "
          + "spark.sql.catalog.<output.iceberg.catalog-name>.* (REST, Glue, Hive, Nessie), passed through as it is.");
  public static final ConfigKey ICEBERG_CATALOG_NAME = optional("output.iceberg.catalog-name", ValueType.string(),
      "archiver", "The Spark catalog name the tables are reached by (spark.sql.catalog.<name>).");
  public static final ConfigKey ICEBERG_WAREHOUSE = withoutDefault("output.iceberg.warehouse", ValueType.string(),
      "Root of the tables' data and metadata: a local path, file:// or s3a:// URI (hadoop and jdbc catalogs). "
          + "Unset: <output.path>/_warehouse.");
  public static final ConfigKey ICEBERG_CATALOG_URI = withoutDefault("output.iceberg.catalog-uri", ValueType.string(),
      "JDBC URL of the jdbc catalog's database, e.g. jdbc:sqlite:/var/lib/archiver/catalog.db (the SQLite driver "
          + "ships with the archiver; the file must be on a local disk of the driver).");
  public static final ConfigKey ICEBERG_TABLE = withoutDefault("output.iceberg.table", ValueType.string(),
      "The archive table as namespace.name, e.g. raw.events; created at start from schema.ddl (lineage columns "
          + "included, partitioned by day, or hour with output.partition-by-hour, of the event time), or checked "
          + "against it and given the columns it adds.");
  public static final ConfigKey ICEBERG_QUARANTINE_TABLE = withoutDefault("output.iceberg.quarantine-table",
      ValueType.string(), "The quarantine table, in the same catalog. Unset: <output.iceberg.table>_quarantine.");
  public static final ConfigKey LEASE_TIMEOUT = optional("output.lease-timeout", ValueType.duration(), "30s",
      "One driver writes an output at a time: a driver holds a lease in <output.path>/_archiver/lease, renewed "
          + "every quarter of this; another driver is refused while it is renewed and takes over after this long "
          + "without renewal (a driver that died). A driver that could not renew for half of it stops itself.");

  public static final ConfigKey COMMIT_RETRIES = optional("commit.retry.num-retries", ValueType.positiveLong(), "5",
      "Retries of a batch whose write or commit failed (storage outage, say) before the job fails; a retry "
          + "writes files of its own and only the committed attempt's files are listed, so it never duplicates.");
  public static final ConfigKey COMMIT_RETRY_WAIT = optional("commit.retry.initial-wait", ValueType.duration(), "2s",
      "Wait before the first retry of a failed batch; doubles each time, up to 1 minute.");

  public static final ConfigKey TRIGGER = optional("trigger.mode",
      ValueType.oneOf("available-now", "processing-time"), "available-now",
      "available-now: archive what is there, then exit (the nightly Airflow run). "
          + "processing-time: run continuously, one batch per trigger.interval.");
  public static final ConfigKey TRIGGER_INTERVAL = optional("trigger.interval", ValueType.duration(), "30s",
      "Batch interval of the processing-time trigger.");

  public static final ConfigKey BACKPRESSURE_POLICY = optional("backpressure.policy",
      ValueType.oneOf("fixed", "adaptive"), "fixed", "How each batch's intake limit is chosen. fixed: always "
          + "backpressure.max-records-per-batch. adaptive: AIMD between the min and max from each batch's duration "
          + "and heap (see README, Back-pressure).");
  public static final ConfigKey MAX_RECORDS_PER_BATCH = optional("backpressure.max-records-per-batch",
      ValueType.positiveLong(), "100000",
      "Most Kafka records one batch reads (all partitions together); bounds a batch's memory. The adaptive "
          + "policy's ceiling.");
  public static final ConfigKey MAX_BYTES_PER_BATCH = withoutDefault("backpressure.max-bytes-per-batch",
      ValueType.size(), "Most bytes of record values one batch reads, for topics whose record sizes vary (a few "
          + "records of megabytes among small ones). Kafka offsets carry no sizes, so it is applied as a record "
          + "limit from the bytes per record of the batch before; a run's first batch assumes 1 MiB per record "
          + "(Kafka's default largest message). Caps either policy. Unset: records only.");
  public static final ConfigKey MIN_RECORDS_PER_BATCH = optional("backpressure.min-records-per-batch",
      ValueType.positiveLong(), "1000", "The adaptive policy's floor: it never cuts the limit below this.");
  public static final ConfigKey INITIAL_RECORDS_PER_BATCH = withoutDefault("backpressure.initial-records-per-batch",
      ValueType.positiveLong(), "The adaptive policy's first limit. Unset: a tenth of the ceiling, at least the floor.");
  public static final ConfigKey INCREASE_RECORDS = withoutDefault("backpressure.increase-records",
      ValueType.positiveLong(), "The adaptive policy's additive step after a batch in time and under budget. "
          + "Unset: a twentieth of the ceiling.");
  public static final ConfigKey DECREASE_FACTOR = optional("backpressure.decrease-factor", ValueType.ratio(), "0.5",
      "The adaptive policy multiplies the limit by this after a batch over time or over budget.");
  public static final ConfigKey MEMORY_BUDGET = optional("backpressure.memory-budget-bytes", ValueType.size(), "512m",
      "Heap a batch may use (live heap after GC, peak over the batch); the adaptive policy cuts above it.");
  public static final ConfigKey TARGET_DURATION = withoutDefault("backpressure.target-batch-duration",
      ValueType.duration(), "How long a batch may take; the adaptive policy cuts above it. Unset: trigger.interval.");
  public static final ConfigKey MIN_TRIGGER_RECORDS = withoutDefault("backpressure.min-records-per-trigger",
      ValueType.positiveLong(), "processing-time only: wait for at least this many new records before a batch "
          + "(Kafka source minOffsetsPerTrigger), to avoid tiny batches.");
  public static final ConfigKey MAX_TRIGGER_DELAY = optional("backpressure.max-trigger-delay", ValueType.duration(),
      "15m", "processing-time only: run a batch after this long even below min-records-per-trigger.");

  public static final ConfigKey METRICS_PORT = withoutDefault("metrics.prometheus-port", ValueType.positiveLong(),
      "Port of the Prometheus endpoint (/metrics). Unset: no endpoint; the JSON line per batch is always logged.");
  public static final ConfigKey HEAP_ALERT_RATIO = optional("metrics.heap-alert-ratio", ValueType.ratio(), "0.8",
      "Warn (log and archiver_heap_alert gauge) when a batch's heap peak passes this share of the max heap.");

  public static final ConfigKey NOTIFY_COMMAND = withoutDefault("notify.command", ValueType.string(),
      "Command run after each commit through /bin/sh -c; {manifest} and {batchId} are replaced and "
          + "ARCHIVER_MANIFEST is set. E.g. 'archiver-dbt run-batch --manifest {manifest} --project-dir my_dbt'.");
  public static final ConfigKey NOTIFY_COMMAND_TIMEOUT = optional("notify.command-timeout", ValueType.duration(),
      "10m", "How long notify.command may run before it counts as failed.");
  public static final ConfigKey AIRFLOW_URL = withoutDefault("notify.airflow.url", ValueType.string(),
      "Airflow 3 base URL, e.g. http://airflow:8080; one run of notify.airflow.dag-id is triggered per batch.");
  public static final ConfigKey AIRFLOW_DAG = optional("notify.airflow.dag-id", ValueType.string(),
      "archiver_dbt_batch", "The DAG triggered per committed batch, with the batch in its conf.");
  public static final ConfigKey AIRFLOW_TOKEN = withoutDefault("notify.airflow.token", ValueType.string(),
      "Bearer token for Airflow's REST API (secret). Or set notify.airflow.username and notify.airflow.password.");
  public static final ConfigKey AIRFLOW_USERNAME = withoutDefault("notify.airflow.username", ValueType.string(),
      "Airflow user whose token the archiver requests at /auth/token.");
  public static final ConfigKey AIRFLOW_PASSWORD = withoutDefault("notify.airflow.password", ValueType.string(),
      "Password of notify.airflow.username (secret).");
  public static final ConfigKey NOTIFY_QUEUE = optional("notify.queue-capacity", ValueType.positiveLong(), "1000",
      "Commits waiting to be announced; beyond it they are dropped (logged) and left to the dbt hook's catch-up.");
  public static final ConfigKey NOTIFY_ATTEMPTS = optional("notify.max-attempts", ValueType.positiveLong(), "5",
      "Attempts per notification before it is logged and skipped.");
  public static final ConfigKey NOTIFY_BACKOFF = optional("notify.initial-backoff", ValueType.duration(), "1s",
      "Wait before the first retry of a notification; doubles with each attempt, up to 1 minute.");

  public static final ConfigKey JOB_NAME = optional("job.name", ValueType.string(), "archiver",
      "Name of the Spark application and the streaming query.");
  public static final ConfigKey SPARK_OPTIONS = prefix("spark.",
      "Any Spark conf, set on the session (spark.master, spark.sql.shuffle.partitions, spark.hadoop.fs.s3a.*). "
          + "spark.master defaults to local[*] when nothing else sets it; "
          + "spark.sql.parquet.outputTimestampType to TIMESTAMP_MICROS; spark.sql.maxConcurrentOutputFileWriters to "
          + "16 with spark.sql.optimizer.plannedWrite.enabled false (no sort before the partitioned write); "
          + "spark.sql.parquet.datetimeRebaseModeInWrite and int96RebaseModeInWrite to CORRECTED (an event of year 1 "
          + "is written as it is instead of failing its batch); spark.hadoop.parquet.page.size.row.check.min 2, "
          + "row.check.max 100 and parquet.memory.pool.ratio 0.5 (records of megabytes stay within the heap).");

  public static final List<ConfigKey> ALL = List.of(BOOTSTRAP_SERVERS, TOPIC, TOPIC_PATTERN, STARTING_OFFSETS,
      FAIL_ON_DATA_LOSS, KAFKA_OPTIONS, SCHEMA_DDL, EVENT_TIME_COLUMN, REQUIRED_COLUMNS, TIMESTAMP_FORMAT,
      EVENT_TIME_BOUNDS, UNKNOWN_FIELDS, ALLOW_SCHEMA_CHANGE, OUTPUT_PATH, CHECKPOINT, QUARANTINE, PARTITION_BY_HOUR,
      COMPRESSION, MAX_RECORDS_PER_FILE, TARGET_FILE_SIZE, MAX_FILES_PER_PARTITION, LATE_AFTER, FORMAT,
      ICEBERG_CATALOG_TYPE, ICEBERG_CATALOG_NAME, ICEBERG_WAREHOUSE, ICEBERG_CATALOG_URI, ICEBERG_TABLE,
      ICEBERG_QUARANTINE_TABLE, LEASE_TIMEOUT,
      COMMIT_RETRIES, COMMIT_RETRY_WAIT, TRIGGER, TRIGGER_INTERVAL, BACKPRESSURE_POLICY, MAX_RECORDS_PER_BATCH,
      MAX_BYTES_PER_BATCH, MIN_RECORDS_PER_BATCH, INITIAL_RECORDS_PER_BATCH, INCREASE_RECORDS, DECREASE_FACTOR,
      MEMORY_BUDGET, TARGET_DURATION, MIN_TRIGGER_RECORDS, MAX_TRIGGER_DELAY, METRICS_PORT, HEAP_ALERT_RATIO,
      NOTIFY_COMMAND, NOTIFY_COMMAND_TIMEOUT, AIRFLOW_URL, AIRFLOW_DAG, AIRFLOW_TOKEN, AIRFLOW_USERNAME,
      AIRFLOW_PASSWORD, NOTIFY_QUEUE, NOTIFY_ATTEMPTS, NOTIFY_BACKOFF, JOB_NAME, SPARK_OPTIONS);

  private ArchiverConfigKeys() {
  }

  public static Optional<ConfigKey> find(String key) {
    return ALL.stream().filter(k -> k.matches(key)).findFirst();
  }
}
