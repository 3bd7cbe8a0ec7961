package dev.archiver.spark.parse;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.archiver.config.ArchiverConfig;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.json.JSONOptions;
import org.apache.spark.sql.catalyst.json.JacksonParser;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.catalyst.util.DefaultTimestampFormatter;
import org.apache.spark.sql.catalyst.util.FailureSafeParser;
import org.apache.spark.sql.catalyst.util.TimestampFormatter;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;

/**
 * Kafka values parsed by Spark's own JSON parser ({@code JacksonParser}, as {@code from_json} uses it, with the same
 * options, permissive mode and corrupt-record column), fed the value's bytes directly. {@code from_json} wraps every
 * value in a {@code java.io.Reader}, whose 8 KiB decoding buffer per record was the single largest allocation of
 * the archiver and of the plain parsing job in bench/ (bench/RESULTS.md); Jackson reads UTF-8 bytes without one.
 * A value that is not valid UTF-8 is therefore a malformed record here (quarantined), where the Reader would have
 * replaced the bad bytes. Timestamps in UTC take a shortcut ({@link UtcTimestamps}) to the same values.
 *
 * <p>Runs inside a micro-batch (a batch Dataset), where the Kafka rows are an RDD like any other.
 */
final class JsonValues implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;
  static final String PARSED = "_parsed";
  static final String NULL_VALUE = "null value (tombstone or empty record)";
  static final String NOT_AN_OBJECT = "not a JSON object";
  static final String MALFORMED = "malformed JSON or a field that does not match schema.ddl";
  static final String MISSING = "missing required field(s): ";
  static final String OUT_OF_BOUNDS = "event time outside schema.event-time-bounds: ";
  static final String UNKNOWN = "field(s) not in schema.ddl (schema.unknown-fields: quarantine): ";
  static final String EXTRA = "_extra";

  /**
   * The event times a batch accepts, in Spark's microseconds, and where the event time is: the ordinal of the
   * event-time field in the parsed struct, or -1 for the Kafka timestamp.
   */
  record Bounds(long lowMicros, long highMicros, int eventTimeOrdinal, String describe) implements Serializable {
    static Bounds around(Instant batchTime, ArchiverConfig.EventTimeBounds bounds, int eventTimeOrdinal) {
      Instant low = batchTime.minus(bounds.back());
      Instant high = batchTime.plus(bounds.ahead());
      return new Bounds(DateTimeUtils.instantToMicros(low), DateTimeUtils.instantToMicros(high), eventTimeOrdinal,
          " not within [" + low + ", " + high + "] (" + bounds + " the batch's time " + batchTime + ")");
    }

    /** Why the record is out of bounds, or null when it is within them or has no event time. */
    String check(InternalRow kafka, InternalRow parsed) {
      boolean fromValue = eventTimeOrdinal >= 0 && !parsed.isNullAt(eventTimeOrdinal);
      if (!fromValue && kafka.isNullAt(3)) {
        return null;
      }
      long micros = fromValue ? parsed.getLong(eventTimeOrdinal) : kafka.getLong(3);
      if (micros >= lowMicros && micros <= highMicros) {
        return null;
      }
      return OUT_OF_BOUNDS + DateTimeUtils.microsToInstant(micros) + describe;
    }
  }

  private final StructType schema;
  private final String corruptColumn;
  private final Map<String, String> options;
  private final String timeZone;
  private final List<String> required;
  private final Bounds bounds;
  private final ArchiverConfig.UnknownFields unknownFields;

  private JsonValues(StructType schema, String corruptColumn, Map<String, String> options, String timeZone,
      List<String> required, Optional<Bounds> bounds, ArchiverConfig.UnknownFields unknownFields) {
    this.schema = schema;
    this.corruptColumn = corruptColumn;
    this.options = new TreeMap<>(options);
    this.timeZone = timeZone;
    this.required = List.copyOf(required);
    this.bounds = bounds.orElse(null);
    this.unknownFields = unknownFields;
  }

  /**
   * Kafka's rows in; lineage ({@code _kafka_*}), the value's size in bytes ({@code _value_bytes}, 0 for a null
   * value), the parsed struct ({@value #PARSED}, its corrupt-record column last; null for a null value or one that is
   * not a JSON object), for a record that failed, why ({@code _error}) and its value ({@code _raw_value}), and for a
   * good record with fields the schema does not declare, those fields as a JSON object ({@value #EXTRA}; only with
   * {@code keep}: with {@code quarantine} such a record fails, with {@code drop} they are not looked for).
   * Deciding here, once per record, spares the plan a copy of every good record's raw value.
   */
  static Dataset<Row> decode(Dataset<Row> kafka, StructType schemaWithCorrupt, String corruptColumn,
      Map<String, String> options, List<String> required, Optional<Bounds> bounds,
      ArchiverConfig.UnknownFields unknownFields) {
    SparkSession spark = kafka.sparkSession();
    RDD<InternalRow> rows = kafka.select(col("topic"), col("partition"), col("offset"), col("timestamp"),
        col("value")).queryExecution().toRdd();
    JsonValues parse = new JsonValues(schemaWithCorrupt, corruptColumn, options,
        spark.sessionState().conf().sessionLocalTimeZone(), required, bounds, unknownFields);
    StructType out = new StructType()
        .add("_kafka_topic", DataTypes.StringType)
        .add("_kafka_partition", DataTypes.IntegerType)
        .add("_kafka_offset", DataTypes.LongType)
        .add("_kafka_timestamp", DataTypes.TimestampType)
        .add("_value_bytes", DataTypes.IntegerType)
        .add(PARSED, schemaWithCorrupt.asNullable())
        .add("_error", DataTypes.StringType)
        .add("_raw_value", DataTypes.StringType)
        .add(EXTRA, DataTypes.StringType);
    return spark.internalCreateDataFrame(rows.toJavaRDD().mapPartitions(parse).rdd(), out, false);
  }

  @Override
  public Iterator<InternalRow> call(Iterator<InternalRow> kafka) {
    scala.collection.immutable.Map<String, String> scalaOptions = scala.collection.immutable.Map$.MODULE$
        .<String, String>empty().$plus$plus(JavaConverters.mapAsScalaMap(options));
    JSONOptions json = new JSONOptions(scalaOptions, timeZone, corruptColumn);
    StructType fields = new StructType(Arrays.stream(schema.fields())
        .filter(f -> !f.name().equals(corruptColumn)).toArray(StructField[]::new));
    JacksonParser jackson = new Parser(fields, json);
    FailureSafeParser<byte[]> parser = new FailureSafeParser<>(
        bytes -> jackson.parse(bytes, JsonValues::parser, UTF8String::fromBytes), json.parseMode(),
        schema.asNullable(), corruptColumn);
    int corrupt = schema.fieldIndex(corruptColumn);
    int[] requiredOrdinals = required.stream().mapToInt(schema::fieldIndex).toArray();
    // The same factory (single quotes and all) as Spark's parser, so the scan accepts every value the parser did.
    ExtraFields extraFields = unknownFields == ArchiverConfig.UnknownFields.DROP ? null
        : new ExtraFields(Set.of(fields.fieldNames()), json.buildJsonFactory());
    boolean quarantineUnknown = unknownFields == ArchiverConfig.UnknownFields.QUARANTINE;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return kafka.hasNext();
      }

      @Override
      public InternalRow next() {
        InternalRow row = kafka.next();
        byte[] value = row.isNullAt(4) ? null : row.getBinary(4);
        InternalRow parsed = null;
        if (value != null) {
          scala.collection.Iterator<InternalRow> result = parser.parse(value);
          parsed = result.hasNext() ? result.next() : null;
        }
        String error = value == null ? NULL_VALUE : parsed == null ? NOT_AN_OBJECT
            : !parsed.isNullAt(corrupt) ? MALFORMED : missing(parsed, requiredOrdinals);
        if (error == null && bounds != null) {
          error = bounds.check(row, parsed);
        }
        UTF8String extra = null;
        if (error == null && extraFields != null) {
          try {
            ExtraFields.Found found = extraFields.find(value);
            if (found != null && quarantineUnknown) {
              error = UNKNOWN + String.join(", ", found.names());
            } else if (found != null) {
              extra = UTF8String.fromBytes(found.json());
            }
          } catch (IOException | RuntimeException e) {
            error = MALFORMED; // never seen: the value just parsed; quarantined with its raw value, not lost
          }
        }
        return new GenericInternalRow(new Object[] {row.getUTF8String(0).copy(), row.getInt(1), row.getLong(2),
            row.isNullAt(3) ? null : row.getLong(3), value == null ? 0 : value.length, parsed,
            error == null ? null : UTF8String.fromString(error),
            error == null || value == null ? null : UTF8String.fromBytes(value), extra});
      }
    };
  }

  private String missing(InternalRow parsed, int[] requiredOrdinals) {
    StringBuilder names = null;
    for (int i = 0; i < requiredOrdinals.length; i++) {
      if (parsed.isNullAt(requiredOrdinals[i])) {
        names = names == null ? new StringBuilder(MISSING) : names.append(", ");
        names.append(required.get(i));
      }
    }
    return names == null ? null : names.toString();
  }

  /** Spark's parser, its default timestamp formatter given the {@link UtcTimestamps} shortcut. */
  private static final class Parser extends JacksonParser {
    private static final long serialVersionUID = 1L;
    private TimestampFormatter timestamps;

    Parser(StructType schema, JSONOptions options) {
      super(schema, options, false, JavaConverters.<Filter>asScalaBuffer(List.of()).toSeq());
    }

    // The accessor of JacksonParser's private lazy timestampFormatter: public and overridable in the bytecode.
    @Override
    public TimestampFormatter org$apache$spark$sql$catalyst$json$JacksonParser$$timestampFormatter() {
      if (timestamps == null) {
        TimestampFormatter spark = super.org$apache$spark$sql$catalyst$json$JacksonParser$$timestampFormatter();
        // Only Spark's default (no schema.timestamp-format, no legacy parser policy) gets the shortcut.
        timestamps = spark.getClass() == DefaultTimestampFormatter.class ? new UtcTimestamps(spark) : spark;
      }
      return timestamps;
    }
  }

  private static JsonParser parser(JsonFactory factory, byte[] bytes) {
    try {
      return factory.createParser(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // JacksonParser turns a RuntimeException into a malformed record
    }
  }
}
