package dev.archiver.config;

import static dev.archiver.config.ArchiverConfigKeys.*;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.archiver.commit.ArchiveLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * Loads an {@link ArchiverConfig}: declared defaults, then the YAML or JSON file, then overrides (CLI flags and
 * {@code --set}), later winning. Validation runs in two stages, each key on its own and then across keys, and
 * every error of both is reported together in one {@link ConfigException}.
 */
public final class ConfigLoader {
  private ConfigLoader() {
  }

  public static ArchiverConfig load(Optional<Path> file, Map<String, String> overrides) {
    Map<String, String> raw = new LinkedHashMap<>();
    List<ConfigError> errors = new ArrayList<>();
    file.ifPresent(f -> readFile(f, raw, errors));
    raw.putAll(overrides);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return fromMap(raw);
  }

  /** The file's keys as a flat map of dotted keys, unvalidated: for commands that fill in the rest themselves. */
  public static Map<String, String> read(Path file) {
    Map<String, String> raw = new LinkedHashMap<>();
    List<ConfigError> errors = new ArrayList<>();
    readFile(file, raw, errors);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return raw;
  }

  /** Validates a flat map of dotted keys. */
  public static ArchiverConfig fromMap(Map<String, String> raw) {
    Values v = new Values(raw);
    v.checkUnknownKeys();

    Optional<String> topic = v.opt(TOPIC).map(String.class::cast);
    Optional<String> pattern = v.opt(TOPIC_PATTERN).map(String.class::cast);
    if (topic.isPresent() == pattern.isPresent() && !v.failed(TOPIC) && !v.failed(TOPIC_PATTERN)) {
      v.error(topic.isPresent() ? TOPIC_PATTERN.name() : TOPIC.name(), topic.isPresent()
          ? "set only one of source.topic and source.topic-pattern"
          : "missing: set source.topic (or source.topic-pattern), e.g. --topic events");
    }
    ArchiverConfig.Source source = new ArchiverConfig.Source((String) v.get(BOOTSTRAP_SERVERS), topic, pattern,
        (String) v.get(STARTING_OFFSETS), (Boolean) v.get(FAIL_ON_DATA_LOSS), v.family(KAFKA_OPTIONS));

    Optional<String> eventTime = v.opt(EVENT_TIME_COLUMN).map(String.class::cast);
    @SuppressWarnings("unchecked")
    List<String> required = v.opt(REQUIRED_COLUMNS).map(l -> (List<String>) l)
        .orElse(eventTime.map(List::of).orElse(List.of()));
    String ddl = (String) v.require(SCHEMA_DDL, "set the schema of the JSON records as a Spark DDL string, "
        + "e.g. --schema 'id STRING, ts TIMESTAMP'");
    ArchiverConfig.Schema schema = new ArchiverConfig.Schema(ddl, eventTime, required,
        v.opt(TIMESTAMP_FORMAT).map(String.class::cast),
        v.opt(EVENT_TIME_BOUNDS).map(ArchiverConfig.EventTimeBounds.class::cast),
        ArchiverConfig.UnknownFields.of((String) v.get(UNKNOWN_FIELDS)), (Boolean) v.get(ALLOW_SCHEMA_CHANGE));

    String path = (String) v.require(OUTPUT_PATH, "set the archive root, e.g. --output s3a://bucket/archive");
    String root = path == null ? "" : path;
    ArchiverConfig.Output output = new ArchiverConfig.Output(root,
        v.opt(CHECKPOINT).map(String.class::cast).orElse(ArchiverConfig.join(root, ArchiveLayout.CHECKPOINT_DIR)),
        v.opt(QUARANTINE).map(String.class::cast).orElse(ArchiverConfig.join(root, "_quarantine")),
        (Boolean) v.get(PARTITION_BY_HOUR), (String) v.get(COMPRESSION), (Long) v.get(MAX_RECORDS_PER_FILE),
        asInt(v.get(COMMIT_RETRIES)), (Duration) v.get(COMMIT_RETRY_WAIT), (Duration) v.get(LEASE_TIMEOUT),
        (Long) v.get(TARGET_FILE_SIZE), v.opt(MAX_FILES_PER_PARTITION).map(n -> (int) Math.min((Long) n,
            Integer.MAX_VALUE)), v.opt(LATE_AFTER).map(Duration.class::cast), format(v),
        iceberg(v, raw, root));
    checkFileSizes(v, output);
    if (path != null) {
      checkRoots(v, output);
    }

    ArchiverConfig.Trigger trigger = new ArchiverConfig.Trigger((String) v.get(TRIGGER),
        (Duration) v.get(TRIGGER_INTERVAL));
    ArchiverConfig.Backpressure backpressure = backpressure(v, trigger);
    ArchiverConfig.Metrics metrics = new ArchiverConfig.Metrics(
        v.opt(METRICS_PORT).map(p -> (int) (long) (Long) p), (Double) v.get(HEAP_ALERT_RATIO));

    ArchiverConfig.Notify notify = notify(v);

    Map<String, String> sparkConf = new LinkedHashMap<>();
    raw.forEach((k, val) -> {
      if (SPARK_OPTIONS.matches(k)) {
        sparkConf.put(k, val);
      }
    });
    v.throwIfErrors();
    return new ArchiverConfig(source, schema, output, trigger, backpressure, metrics, notify, (String) v.get(JOB_NAME),
        sparkConf, raw);
  }

  /**
   * A target below a few KiB would roll after every check (a Parquet footer and page headers alone take that much),
   * and a fan-out bound in the thousands bounds nothing while its shuffle still costs: both are mistakes, not tuning.
   */
  private static void checkFileSizes(Values v, ArchiverConfig.Output o) {
    if (o.targetFileSize() < MIN_TARGET_FILE_SIZE) {
      v.error(TARGET_FILE_SIZE.name(), o.targetFileSize() + " bytes is below a Parquet file's own overhead and would"
          + " write a file every 100 rows; use at least 16k, e.g. 128m (the default)");
    }
    o.maxFilesPerPartition().filter(n -> n > MAX_FILES_PER_PARTITION_BOUND).ifPresent(n ->
        v.error(MAX_FILES_PER_PARTITION.name(), n + " bounds nothing a batch writes and costs a shuffle; use at most "
            + MAX_FILES_PER_PARTITION_BOUND + " (e.g. 4), or unset it for no shuffle"));
  }

  private static ArchiverConfig.Format format(Values v) {
    Object format = v.get(FORMAT);
    return format == null ? ArchiverConfig.Format.PARQUET : ArchiverConfig.Format.of((String) format);
  }

  private static final List<ConfigKey> ICEBERG_KEYS = List.of(ICEBERG_CATALOG_TYPE, ICEBERG_CATALOG_NAME,
      ICEBERG_WAREHOUSE, ICEBERG_CATALOG_URI, ICEBERG_TABLE, ICEBERG_QUARANTINE_TABLE);

  /**
   * The Iceberg settings when {@code output.format} is iceberg, checked together: a table named namespace.name, a
   * catalog that can commit safely where the warehouse is (the Hadoop catalog's rename is not atomic on S3), the JDBC
   * URL exactly when the jdbc catalog needs it, a passed-through catalog actually configured.
   */
  private static Optional<ArchiverConfig.Iceberg> iceberg(Values v, Map<String, String> raw, String root) {
    if (format(v) != ArchiverConfig.Format.ICEBERG) {
      ICEBERG_KEYS.stream().filter(k -> raw.containsKey(k.name())).forEach(k -> v.error(k.name(),
          "is set but output.format is " + raw.getOrDefault(FORMAT.name(), "parquet")
              + "; set output.format: iceberg, or remove it"));
      return Optional.empty();
    }
    Object typeValue = v.get(ICEBERG_CATALOG_TYPE);
    ArchiverConfig.CatalogType type = typeValue == null ? ArchiverConfig.CatalogType.HADOOP
        : ArchiverConfig.CatalogType.of((String) typeValue);
    String name = (String) v.get(ICEBERG_CATALOG_NAME);
    String warehouse = v.opt(ICEBERG_WAREHOUSE).map(String.class::cast)
        .orElse(ArchiverConfig.join(root, "_warehouse"));
    Optional<String> uri = v.opt(ICEBERG_CATALOG_URI).map(String.class::cast);
    String table = (String) v.require(ICEBERG_TABLE, "name the archive table as namespace.name, e.g."
        + " output.iceberg.table: raw.events");
    if (table != null && !tableName(table)) {
      v.error(ICEBERG_TABLE.name(), "'" + table + "' is not namespace.name; write e.g. raw.events");
    }
    String quarantine = v.opt(ICEBERG_QUARANTINE_TABLE).map(String.class::cast)
        .orElse(table == null ? "" : table + "_quarantine");
    if (v.opt(ICEBERG_QUARANTINE_TABLE).isPresent() && !tableName(quarantine)) {
      v.error(ICEBERG_QUARANTINE_TABLE.name(), "'" + quarantine + "' is not namespace.name; write e.g."
          + " raw.events_quarantine");
    }
    if (quarantine.equals(table) && table != null) {
      v.error(ICEBERG_QUARANTINE_TABLE.name(), "is the archive table itself; name a table of its own, e.g. "
          + table + "_quarantine");
    }
    int colon = warehouse.indexOf(':');
    String scheme = colon < 0 ? "" : warehouse.substring(0, colon).toLowerCase(Locale.ROOT);
    if (type == ArchiverConfig.CatalogType.HADOOP && scheme.startsWith("s3")) {
      v.error(ICEBERG_CATALOG_TYPE.name(), "hadoop commits by renaming a metadata file, which S3 does not do"
          + " atomically, so two commits could both win on " + warehouse + "; use output.iceberg.catalog-type: jdbc"
          + " with output.iceberg.catalog-uri: jdbc:sqlite:/var/lib/archiver/catalog.db (or a catalog of your own"
          + " with catalog-type: spark)");
    }
    if (type == ArchiverConfig.CatalogType.JDBC && uri.isEmpty()) {
      v.error(ICEBERG_CATALOG_URI.name(), "missing: the jdbc catalog needs its database, e.g."
          + " output.iceberg.catalog-uri: jdbc:sqlite:/var/lib/archiver/catalog.db");
    }
    if (type != ArchiverConfig.CatalogType.JDBC && uri.isPresent()) {
      v.error(ICEBERG_CATALOG_URI.name(), "is set but only the jdbc catalog reads it; set"
          + " output.iceberg.catalog-type: jdbc, or remove it");
    }
    if (type == ArchiverConfig.CatalogType.SPARK && name != null
        && !raw.containsKey("spark.sql.catalog." + name)) {
      v.error(ICEBERG_CATALOG_TYPE.name(), "spark uses the catalog configured as spark.sql.catalog." + name
          + ", which is not set; set it (e.g. spark.sql.catalog." + name + ": org.apache.iceberg.spark.SparkCatalog"
          + " with its type or catalog-impl and uri), or use catalog-type hadoop or jdbc");
    }
    // Settings of the Parquet layout's own writer that an Iceberg table does its own way, or not yet.
    if (raw.containsKey(LATE_AFTER.name())) {
      v.error(LATE_AFTER.name(), "is not counted for output.format iceberg yet; remove it, or archive as parquet");
    }
    if (raw.containsKey(MAX_FILES_PER_PARTITION.name())) {
      v.error(MAX_FILES_PER_PARTITION.name(), "does not apply to output.format iceberg, whose writes are clustered"
          + " by partition (the table's write.distribution-mode); remove it");
    }
    if (raw.containsKey(QUARANTINE.name())) {
      v.error(QUARANTINE.name(), "does not apply to output.format iceberg, which quarantines into"
          + " output.iceberg.quarantine-table; remove it");
    }
    return Optional.of(new ArchiverConfig.Iceberg(type, name == null ? "archiver" : name, warehouse, uri,
        table == null ? "" : table, quarantine));
  }

  private static boolean tableName(String table) {
    return table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");
  }

  static final long MIN_TARGET_FILE_SIZE = 16L << 10;
  static final int MAX_FILES_PER_PARTITION_BOUND = 10_000;

  /**
   * How the archive, quarantine and checkpoint roots may nest. Vacuum lists the archive and quarantine roots and
   * deletes what no manifest lists; Spark, Hive, Trino and Athena read every file under the archive root except in
   * directories starting with {@code _}. So a checkpoint below either root must sit under the archive's
   * {@code _archiver/} (the default), a quarantine below the archive root in a {@code _} directory (the default,
   * {@code _quarantine}), and no root inside another's place. Compared by {@link StoragePaths#canonical}.
   */
  private static void checkRoots(Values v, ArchiverConfig.Output o) {
    String archive = o.path();
    String reserved = ArchiverConfig.join(archive, ArchiveLayout.ARCHIVER_DIR);
    if (StoragePaths.within(o.checkpoint(), archive) && !StoragePaths.within(o.checkpoint(), reserved)) {
      v.error(CHECKPOINT.name(), "'" + o.checkpoint() + "' is inside output.path but not under its _archiver/"
          + " directory, where vacuum would delete Spark's checkpoint files and table scans would list them; use "
          + ArchiverConfig.join(archive, ArchiveLayout.CHECKPOINT_DIR)
          + " (the default) or a path outside the archive");
    }
    if (StoragePaths.within(o.checkpoint(), o.quarantine())) {
      v.error(CHECKPOINT.name(), "'" + o.checkpoint() + "' is inside output.quarantine, where vacuum would delete"
          + " Spark's checkpoint files; move it out, e.g. to "
          + ArchiverConfig.join(archive, ArchiveLayout.CHECKPOINT_DIR));
    }
    for (String root : new String[] {archive, o.quarantine()}) {
      if (StoragePaths.within(root, o.checkpoint())) {
        v.error(CHECKPOINT.name(), "'" + o.checkpoint() + "' contains " + root + "; the checkpoint needs a directory"
            + " of its own, e.g. " + ArchiverConfig.join(archive, ArchiveLayout.CHECKPOINT_DIR));
      }
    }
    if (StoragePaths.within(archive, o.quarantine())) {
      v.error(QUARANTINE.name(), "'" + o.quarantine() + "' contains output.path; quarantine files and archive"
          + " files would mix. Use a directory of its own, e.g. " + ArchiverConfig.join(archive, "_quarantine"));
    } else {
      StoragePaths.relative(o.quarantine(), archive).ifPresent(below -> {
        if (below.equals(ArchiveLayout.ARCHIVER_DIR) || below.startsWith(ArchiveLayout.ARCHIVER_DIR + "/")) {
          v.error(QUARANTINE.name(), "'" + o.quarantine() + "' is inside " + reserved + ", which holds manifests"
              + " and the checkpoint; use e.g. " + ArchiverConfig.join(archive, "_quarantine"));
        } else if (!below.startsWith("_")) {
          v.error(QUARANTINE.name(), "'" + o.quarantine() + "' is inside output.path in a directory table scans"
              + " read, so Spark, Hive, Trino and Athena would read quarantined records as archived rows; use a"
              + " directory starting with _ (e.g. " + ArchiverConfig.join(archive, "_quarantine")
              + ", the default) or a path outside the archive");
        }
      });
    }
  }

  private static ArchiverConfig.Backpressure backpressure(Values v, ArchiverConfig.Trigger trigger) {
    Long max = (Long) v.get(MAX_RECORDS_PER_BATCH);
    Long min = (Long) v.get(MIN_RECORDS_PER_BATCH);
    long ceiling = max == null ? 1 : max;
    boolean adaptive = "adaptive".equals(v.get(BACKPRESSURE_POLICY));
    // The floor only matters to the adaptive policy; a small fixed limit must not trip over its default.
    long floor = Math.min(min == null ? 1 : min, adaptive ? Long.MAX_VALUE : ceiling);
    if (floor > ceiling) {
      v.error(MIN_RECORDS_PER_BATCH.name(), "is " + floor + ", above backpressure.max-records-per-batch " + ceiling
          + "; lower it or raise the max");
    }
    long initial = v.opt(INITIAL_RECORDS_PER_BATCH).map(Long.class::cast)
        .orElse(Math.max(floor, ceiling / 10));
    if (adaptive && (initial < floor || initial > ceiling)) {
      v.error(INITIAL_RECORDS_PER_BATCH.name(), "is " + initial + ", outside the floor " + floor
          + " and ceiling " + ceiling);
    }
    Duration target = v.opt(TARGET_DURATION).map(Duration.class::cast).orElse(trigger.interval());
    return new ArchiverConfig.Backpressure((String) v.get(BACKPRESSURE_POLICY), ceiling, floor, initial,
        v.opt(INCREASE_RECORDS).map(Long.class::cast).orElse(Math.max(1, ceiling / 20)),
        (Double) v.get(DECREASE_FACTOR), (Long) v.get(MEMORY_BUDGET), target == null ? Duration.ofSeconds(30) : target,
        v.opt(MIN_TRIGGER_RECORDS).map(Long.class::cast), (Duration) v.get(MAX_TRIGGER_DELAY),
        v.opt(MAX_BYTES_PER_BATCH).map(Long.class::cast));
  }

  private static ArchiverConfig.Notify notify(Values v) {
    Optional<String> url = v.opt(AIRFLOW_URL).map(String.class::cast);
    Optional<String> token = v.opt(AIRFLOW_TOKEN).map(String.class::cast);
    Optional<String> user = v.opt(AIRFLOW_USERNAME).map(String.class::cast);
    Optional<String> password = v.opt(AIRFLOW_PASSWORD).map(String.class::cast);
    if (url.isPresent() && token.isEmpty() && (user.isEmpty() || password.isEmpty())) {
      v.error(AIRFLOW_TOKEN.name(), "missing: notify.airflow.url needs notify.airflow.token, or"
          + " notify.airflow.username and notify.airflow.password");
    }
    if (url.isEmpty() && (token.isPresent() || user.isPresent())) {
      v.error(AIRFLOW_URL.name(), "missing: Airflow credentials are set but not the URL to use them on");
    }
    Optional<ArchiverConfig.Airflow> airflow = url.map(u -> new ArchiverConfig.Airflow(u, (String) v.get(AIRFLOW_DAG),
        token, user, password));
    return new ArchiverConfig.Notify(v.opt(NOTIFY_COMMAND).map(String.class::cast),
        (Duration) v.get(NOTIFY_COMMAND_TIMEOUT), airflow, asInt(v.get(NOTIFY_QUEUE)), asInt(v.get(NOTIFY_ATTEMPTS)),
        (Duration) v.get(NOTIFY_BACKOFF));
  }

  private static int asInt(Object value) {
    return value == null ? 1 : (int) Math.min(Integer.MAX_VALUE, (Long) value);
  }

  private static void readFile(Path file, Map<String, String> into, List<ConfigError> errors) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
    try {
      JsonNode root = mapper.readTree(Files.readString(file));
      if (root == null || root.isMissingNode() || root.isNull()) {
        return;
      }
      if (!root.isObject()) {
        errors.add(new ConfigError(file.toString(), "must hold a mapping of keys to values, e.g. 'source: {topic: events}'"));
        return;
      }
      flatten("", root, into);
    } catch (JacksonException e) {
      errors.add(new ConfigError(file.toString(), "is not valid " + (name.endsWith(".json") ? "JSON" : "YAML")
          + ": " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()));
    } catch (IOException e) {
      errors.add(new ConfigError(file.toString(), "cannot be read (" + e.getMessage() + "); check --config"));
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
          e.getValue(), into));
    } else if (node.isArray()) {
      into.put(prefix, String.join(",", StreamSupport.stream(node.spliterator(), false)
          .map(JsonNode::asText).toList()));
    } else {
      into.put(prefix, node.isNull() ? "" : node.asText());
    }
  }
}
