package dev.archiver.spark.parse;

import static org.apache.spark.sql.functions.*;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Parses Kafka records' JSON values against the declared schema in one pass. Every record keeps its Kafka
 * coordinates; a record that does not parse, has a field of the wrong type, or misses a required field gets an
 * {@code _error} (and keeps its raw value) instead of being dropped.
 */
public final class RecordParser {
  public static final String ERROR = "_error";
  public static final String RAW_VALUE = "_raw_value";
  public static final String VALUE_BYTES = "_value_bytes";
  public static final String EVENT_DATE = "event_date";
  public static final String EVENT_HOUR = "event_hour";
  /**
   * The record's top-level fields that the schema does not declare, as a JSON object, values exactly as sent; null
   * when there are none. The archive's last column (after the lineage), so the columns files had before it keep
   * their positions, and absent with {@code schema.unknown-fields} other than {@code keep}.
   */
  public static final String EXTRA = JsonValues.EXTRA;
  /** How the error of a record quarantined for unknown fields starts; the field names follow, comma-separated. */
  public static final String UNKNOWN_FIELDS_ERROR = JsonValues.UNKNOWN;
  /** Routed rows' flag of a late archived record (past {@code output.late-after}); never written to a file. */
  public static final String LATE = "_late";
  public static final String QUARANTINE_RAW = "raw_value";
  public static final String QUARANTINE_ERROR = "error";
  public static final String QUARANTINE_BATCH = "_batch_id";
  public static final List<String> LINEAGE = List.of("_kafka_topic", "_kafka_partition", "_kafka_offset",
      "_kafka_timestamp");
  private static final String CORRUPT = "_corrupt_record";
  private static final String PARSED = JsonValues.PARSED;
  private static final String EVENT_TIME = "_event_time";

  private final StructType schema;
  private final ArchiverConfig.Schema config;

  private RecordParser(StructType schema, ArchiverConfig.Schema config) {
    this.schema = schema;
    this.config = config;
  }

  /** Checks the DDL and the columns it must hold; every problem at once. */
  public static List<ConfigError> validate(ArchiverConfig.Schema config) {
    List<ConfigError> errors = new ArrayList<>();
    StructType schema;
    try {
      schema = StructType.fromDDL(config.ddl());
    } catch (Exception e) { // Spark's ParseException is checked in Java's eyes but undeclared by Scala
      errors.add(new ConfigError("schema.ddl", "is not a Spark DDL schema (" + firstLine(e.getMessage())
          + "); write it as 'name TYPE, ...', e.g. 'id STRING, ts TIMESTAMP, latency_ms INT'"));
      return errors;
    }
    List<String> names = List.of(schema.fieldNames());
    for (String name : names) {
      if (name.startsWith("_kafka_") || name.equals(EVENT_DATE) || name.equals(EVENT_HOUR) || name.equals(CORRUPT)
          || name.equals(ERROR) || name.equals(EXTRA) || name.equals(LATE)) {
        errors.add(new ConfigError("schema.ddl", "field '" + name + "' clashes with a column the archiver adds;"
            + " rename it in the schema"));
      }
    }
    config.eventTimeColumn().ifPresent(c -> {
      if (!names.contains(c)) {
        errors.add(new ConfigError("schema.event-time-column", "'" + c + "' is not a field of schema.ddl"
            + " (fields: " + String.join(", ", names) + ")"));
      } else if (!schema.apply(c).dataType().equals(DataTypes.TimestampType)) {
        errors.add(new ConfigError("schema.event-time-column", "'" + c + "' is "
            + schema.apply(c).dataType().sql() + "; declare it TIMESTAMP in schema.ddl"));
      }
    });
    config.requiredColumns().stream().filter(c -> !names.contains(c)).forEach(c -> errors.add(new ConfigError(
        "schema.required-columns", "'" + c + "' is not a field of schema.ddl (fields: " + String.join(", ", names)
        + ")")));
    return errors;
  }

  public static RecordParser of(ArchiverConfig.Schema config) {
    return new RecordParser(StructType.fromDDL(config.ddl()), config);
  }

  /** {@link #parse(Dataset, Instant)} without event-time bounds. */
  public Dataset<Row> parse(Dataset<Row> kafka) {
    return parse(kafka, Optional.empty());
  }

  /**
   * A micro-batch's Kafka rows in; lineage, parsed fields, {@code _event_time}, {@code _error} and
   * {@code _raw_value} out. With {@code schema.event-time-bounds}, records whose event time lies outside them,
   * measured from {@code batchTime}, are quarantined.
   */
  public Dataset<Row> parse(Dataset<Row> kafka, Instant batchTime) {
    return parse(kafka, Optional.of(batchTime));
  }

  private Dataset<Row> parse(Dataset<Row> kafka, Optional<Instant> batchTime) {
    Map<String, String> options = new HashMap<>();
    options.put("mode", "PERMISSIVE");
    options.put("columnNameOfCorruptRecord", CORRUPT);
    config.timestampFormat().ifPresent(f -> options.put("timestampFormat", f));
    StructType withCorrupt = schema.add(CORRUPT, DataTypes.StringType, true);

    Optional<JsonValues.Bounds> bounds = config.eventTimeBounds().flatMap(b -> batchTime.map(t ->
        JsonValues.Bounds.around(t, b, config.eventTimeColumn().map(withCorrupt::fieldIndex).orElse(-1))));
    Dataset<Row> parsed = JsonValues.decode(kafka, withCorrupt, CORRUPT, options, config.requiredColumns(), bounds,
        config.unknownFields());

    List<Column> out = new ArrayList<>();
    LINEAGE.forEach(c -> out.add(col(c)));
    for (StructField f : schema.fields()) {
      out.add(col(PARSED).getField(f.name()).as(f.name()));
    }
    Column kafkaTime = col("_kafka_timestamp");
    out.add(config.eventTimeColumn().map(c -> coalesce(col(PARSED).getField(c), kafkaTime)).orElse(kafkaTime)
        .as(EVENT_TIME));
    out.add(col(ERROR));
    out.add(col(VALUE_BYTES));
    out.add(col(RAW_VALUE)); // only quarantined records keep their raw value
    out.add(col(EXTRA));
    return parsed.select(out.toArray(Column[]::new));
  }

  /**
   * Every record, in the column order {@code RoutedParquetFormat} expects: the archive's columns (the schema's
   * fields, then lineage, then {@value #EXTRA} when kept), the quarantine's own ({@value #QUARANTINE_RAW}, {@value #QUARANTINE_ERROR},
   * {@value #QUARANTINE_BATCH}: null for good records), then the partition columns. Quarantined records are
   * partitioned by their Kafka timestamp, which only decides their file's name.
   */
  public Dataset<Row> routed(Dataset<Row> parsed, boolean byHour, long batchId) {
    return routed(parsed, byHour, batchId, Optional.empty());
  }

  /**
   * {@link #routed(Dataset, boolean, long)} with, when {@code lateBefore} is set, a boolean column
   * {@value #LATE} after the quarantine's columns ({@link #lateOrdinal()}): true for archived records whose event
   * time (the one that partitions them) lies before it.
   */
  public Dataset<Row> routed(Dataset<Row> parsed, boolean byHour, long batchId, Optional<Instant> lateBefore) {
    List<Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(parsed.col(quoted(f.name())));
    }
    LINEAGE.forEach(c -> out.add(col(c)));
    if (keepsExtra()) {
      out.add(col(EXTRA));
    }
    out.add(col(RAW_VALUE).as(QUARANTINE_RAW));
    out.add(col(ERROR).as(QUARANTINE_ERROR));
    out.add(when(col(ERROR).isNotNull(), lit(batchId)).as(QUARANTINE_BATCH));
    lateBefore.ifPresent(t -> out.add(col(ERROR).isNull()
        .and(col(EVENT_TIME).lt(lit(java.sql.Timestamp.from(t)))).as(LATE)));
    // A date, not a formatted string: Spark names the folder event_date=yyyy-MM-dd all the same, and sorting and
    // deriving it per record is integer work instead of a DateTimeFormatter call (bench/RESULTS.md).
    // Quarantined records go by their Kafka timestamp: their event time may be absent, unparsable or absurd, and a
    // batch of absurd ones must not open a file per distinct date.
    Column partitionTime = when(col(ERROR).isNull(), col(EVENT_TIME))
        .otherwise(coalesce(col("_kafka_timestamp"), col(EVENT_TIME)));
    out.add(to_date(partitionTime).as(EVENT_DATE));
    if (byHour) {
      out.add(lpad(hour(partitionTime).cast("string"), 2, "0").as(EVENT_HOUR));
    }
    return parsed.select(out.toArray(Column[]::new));
  }

  /** How many leading columns of {@link #routed} the archive keeps. */
  public int archiveColumns() {
    return schema.fields().length + LINEAGE.size() + (keepsExtra() ? 1 : 0);
  }

  /** Whether records with unknown fields are quarantined ({@code schema.unknown-fields: quarantine}). */
  public boolean quarantinesUnknown() {
    return config.unknownFields() == ArchiverConfig.UnknownFields.QUARANTINE;
  }

  /**
   * The archive files' data columns as DDL, as manifests record them: the schema's fields in order, then
   * {@value #EXTRA} when kept (lineage and partition columns, in every file, are left out).
   */
  public String archiveDdl() {
    StructType columns = keepsExtra() ? schema.add(EXTRA, DataTypes.StringType, true) : schema;
    return columns.toDDL();
  }

  /** Whether the archive has the {@value #EXTRA} column ({@code schema.unknown-fields: keep}). */
  public boolean keepsExtra() {
    return config.unknownFields() == ArchiverConfig.UnknownFields.KEEP;
  }

  /** The columns of {@link #routed} a quarantine file keeps: lineage, raw value, error, batch id. */
  public List<Integer> quarantineColumns() {
    int fields = schema.fields().length;
    List<Integer> ordinals = new ArrayList<>();
    for (int i = 0; i < LINEAGE.size(); i++) {
      ordinals.add(fields + i);
    }
    for (int i = 0; i < 3; i++) {
      ordinals.add(archiveColumns() + i);
    }
    return ordinals;
  }

  /** The column of {@link #routed} with a late horizon that is true exactly for late archived records. */
  public int lateOrdinal() {
    return archiveColumns() + 3;
  }

  /** The column of {@link #routed} that is set exactly for quarantined records. */
  public int errorOrdinal() {
    return archiveColumns() + 1;
  }

  public Column eventTime() {
    return col(EVENT_TIME);
  }

  /** A column name as Spark's resolver takes it literally, dots and all. */
  private static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private static String firstLine(String s) {
    String m = s == null ? "" : s.strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
