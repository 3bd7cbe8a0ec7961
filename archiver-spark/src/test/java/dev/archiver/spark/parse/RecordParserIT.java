package dev.archiver.spark.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.spark.testing.HostileValues;
import dev.archiver.spark.testing.SparkIT;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** What the parser makes of each kind of Kafka value, as Spark's {@code from_json} would, fed the raw bytes. */
class RecordParserIT extends SparkIT {
  private static final StructType KAFKA = new StructType().add("key", DataTypes.BinaryType)
      .add("value", DataTypes.BinaryType).add("topic", DataTypes.StringType).add("partition", DataTypes.IntegerType)
      .add("offset", DataTypes.LongType).add("timestamp", DataTypes.TimestampType)
      .add("timestampType", DataTypes.IntegerType);
  private static final Timestamp KAFKA_TIME = Timestamp.from(Instant.parse("2026-11-24T23:59:00Z"));
  private final RecordParser parser = RecordParser.of(new ArchiverConfig.Schema(
      "id STRING, ts TIMESTAMP, n INT, tags ARRAY<STRING>, geo STRUCT<lat: DOUBLE, lon: DOUBLE>", Optional.of("ts"),
      List.of("id", "ts"), Optional.empty()));

  @Test
  void parsesGoodRecordsAndSaysWhyTheOthersFailed() {
    Map<Long, Row> rows = parse(
        "{\"id\":\"a\",\"ts\":\"2026-11-25T10:00:00.123Z\",\"n\":7,\"tags\":[\"x\",\"y\"],\"geo\":{\"lat\":1.5,\"lon\":2}}",
        "{\"id\":\"b\",\"ts\":\"2026-11-25T12:00:00+02:00\",\"n\":null,\"extra\":\"ignored\",\"note\":\"naïve ✓\"}",
        "{\"id\":\"c\",\"ts\":\"2026-11-25T10:00:00Z\",\"n\":\"seven\"}",
        "{\"id\":\"d\",\"ts\":\"2026-11-25T10:00:00Z\",\"n\":1",
        "not json at all",
        "[1, 2]",
        "{\"ts\":\"2026-11-25T10:00:00Z\"}",
        null,
        "{\"id\":\"\u00e9\",\"ts\":\"2026-11-25T10:00:00Z\"}");

    Row a = rows.get(0L);
    assertThat(a.<String>getAs("_error")).isNull();
    assertThat(a.<String>getAs("id")).isEqualTo("a");
    assertThat(a.<Timestamp>getAs("ts").toInstant()).isEqualTo(Instant.parse("2026-11-25T10:00:00.123Z"));
    assertThat(a.<Integer>getAs("n")).isEqualTo(7);
    assertThat(a.<scala.collection.Seq<String>>getAs("tags").mkString(",")).isEqualTo("x,y");
    assertThat(a.<Row>getAs("geo").getDouble(1)).isEqualTo(2.0);
    assertThat(a.<Timestamp>getAs("_event_time").toInstant()).isEqualTo(Instant.parse("2026-11-25T10:00:00.123Z"));
    assertThat(a.<String>getAs("_raw_value")).as("good records keep no raw copy").isNull();
    assertThat(a.<String>getAs("_kafka_topic")).isEqualTo("t");
    assertThat(a.<Integer>getAs("_kafka_partition")).isEqualTo(3);

    Row b = rows.get(1L);
    assertThat(b.<String>getAs("_error")).isNull();
    assertThat(b.<Timestamp>getAs("ts").toInstant()).as("offsets honoured").isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    assertThat(b.<Integer>getAs("n")).isNull();
    assertThat(b.<String>getAs("_extra")).as("fields the schema does not name are kept, exactly")
        .isEqualTo("{\"extra\":\"ignored\",\"note\":\"naïve ✓\"}");
    assertThat(a.<String>getAs("_extra")).as("none unknown: null").isNull();

    assertThat(rows.get(2L).<String>getAs("_error")).contains("does not match schema.ddl");
    assertThat(rows.get(2L).<String>getAs("_raw_value")).contains("\"seven\"");
    assertThat(rows.get(3L).<String>getAs("_error")).contains("malformed JSON");
    assertThat(rows.get(4L).<String>getAs("_error")).contains("malformed JSON");
    assertThat(rows.get(5L).<String>getAs("_error")).as("an array is not an object").isNotNull();
    assertThat(rows.get(6L).<String>getAs("_error")).isEqualTo("missing required field(s): id");
    assertThat(rows.get(6L).<Timestamp>getAs("_event_time").toInstant()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    assertThat(rows.get(7L).<String>getAs("_error")).contains("null value");
    assertThat(rows.get(7L).<Timestamp>getAs("_event_time")).as("falls back to the Kafka timestamp").isEqualTo(KAFKA_TIME);
    assertThat(rows.get(8L).<String>getAs("_error")).isNull();
    assertThat(rows.get(8L).<String>getAs("id")).isEqualTo("\u00e9");
    assertThat(rows.get(8L).<Integer>getAs("_value_bytes")).isEqualTo(
        "{\"id\":\"\u00e9\",\"ts\":\"2026-11-25T10:00:00Z\"}".getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void quarantinesValuesThatAreNotUtf8() {
    byte[] latin1 = "{\"id\":\"caf\u00e9\",\"ts\":\"2026-11-25T10:00:00Z\"}".getBytes(StandardCharsets.ISO_8859_1);
    Row row = parseBytes(List.of(latin1)).get(0L);
    assertThat(row.<String>getAs("_error")).contains("malformed JSON");
    assertThat(row.<String>getAs("_kafka_topic")).isEqualTo("t");
  }

  @Test
  void readsTimestampsAsFromJsonDoes() {
    List<String> times = List.of("\"2026-11-25T10:00:00Z\"", "\"2026-11-25T10:00:00.123456Z\"",
        "\"2026-11-25T10:00:00.1234567Z\"", "\"2026-11-25 10:00:00Z\"", "\"2026-11-25T10:00Z\"", "\"2026-11-25Z\"",
        "\"2026-11-25T10:00:00.Z\"", "\"2026-11-25T10:00:0Z\"", "\"2026-11-25T1:00:00Z\"", "\"+12026-11-25T10:00:00Z\"",
        "\"2026-11-25T10:00:00.123+00:00Z\"", "\"  2026-11-25T10:00:00Z\"", "\"2026-11-25T10:00:00Z  \"",
        "\"2026-11-25T24:00:00Z\"", "\"2026-11-25T10:00:60Z\"",
        "\"2026-11-25T10:00:00+02:00\"", "\"2026-11-25T10:00:00-0330\"", "\"2026-11-25T10:00:00\"", "\"2026-11-25\"",
        "\"2026-11-25T10:00:00 Z\"", "\"2026-11-25T10:00:00ZZ\"", "\"2026-13-25T10:00:00Z\"", "\"2026-02-30T10:00:00Z\"",
        "\"garbageZ\"", "\"Z\"", "\"\"", "1764064800", "\"1764064800\"", "1764064800.5", "true");
    List<String> values = times.stream().map(t -> "{\"id\":\"x\",\"ts\":" + t + "}").toList();
    Map<Long, Row> ours = parse(values.toArray(String[]::new));
    List<Row> spark = spark().createDataset(values, org.apache.spark.sql.Encoders.STRING())
        .selectExpr("from_json(value, 'ts TIMESTAMP').ts AS ts").collectAsList();

    for (int i = 0; i < values.size(); i++) {
      Timestamp expected = spark.get(i).getTimestamp(0);
      Row row = ours.get((long) i);
      if (expected == null) {
        assertThat(row.<String>getAs("_error")).as(values.get(i)).isNotNull();
      } else {
        assertThat(row.<String>getAs("_error")).as(values.get(i)).isNull();
        assertThat(row.<Timestamp>getAs("ts")).as(values.get(i)).isEqualTo(expected);
      }
    }
    assertThat(ours.get(0L).<Timestamp>getAs("ts").toInstant()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
  }

  /** Each hostile value is archived or quarantined with a reason; none is lost and none throws. */
  @Test
  void everyHostileValueIsArchivedOrQuarantinedWithAReason() {
    Map<String, byte[]> hostile = HostileValues.all();
    List<String> names = List.copyOf(hostile.keySet());
    Map<Long, Row> rows = parseBytes(names.stream().map(hostile::get).toList());

    assertThat(rows).as("one row per record").hasSize(names.size());
    Map<String, String> verdicts = new java.util.TreeMap<>();
    for (int i = 0; i < names.size(); i++) {
      Row row = rows.get((long) i);
      String error = row.getAs("_error");
      verdicts.put(names.get(i), error == null ? "archived" : "quarantined: " + error);
      if (error != null) {
        assertThat(row.<String>getAs("_raw_value")).as("%s keeps its raw value", names.get(i)).isNotNull();
      }
    }
    assertThat(verdicts).as("what became of each").containsAllEntriesOf(HostileValues.EXPECTED);
    assertThat(rows.get((long) names.indexOf("10 MB string")).<String>getAs("id")).isEqualTo("big");
    assertThat(rows.get((long) names.indexOf("10 MB string")).<Integer>getAs("_value_bytes"))
        .isGreaterThan(10_000_000);
    assertThat(rows.get((long) names.indexOf("duplicate keys")).<String>getAs("id")).as("the last one wins, as in"
        + " from_json").isEqualTo("second");
    // java.sql.Timestamp counts old dates in the Julian calendar; its fields are the proleptic Gregorian ones.
    assertThat(rows.get((long) names.indexOf("year 1")).<Timestamp>getAs("ts").toLocalDateTime())
        .isEqualTo(java.time.LocalDateTime.of(1, 1, 1, 0, 0));
  }

  @Test
  void quarantinesEventTimesOutsideTheBoundsAroundTheBatchTime() {
    RecordParser bounded = RecordParser.of(new ArchiverConfig.Schema("id STRING, ts TIMESTAMP, `a.b` INT",
        Optional.of("ts"), List.of("id"), Optional.empty(), Optional.of(new ArchiverConfig.EventTimeBounds(
            java.time.Duration.ofDays(7), java.time.Duration.ofDays(1)))));
    Instant batchTime = Instant.parse("2026-11-25T12:00:00Z");
    List<String> values = List.of(
        "{\"id\":\"now\",\"ts\":\"2026-11-25T11:00:00Z\",\"a.b\":5}",
        "{\"id\":\"week-old\",\"ts\":\"2026-11-18T12:00:00Z\"}",
        "{\"id\":\"too-old\",\"ts\":\"2026-11-18T11:59:59Z\"}",
        "{\"id\":\"future\",\"ts\":\"2026-11-26T12:00:01Z\"}",
        "{\"id\":\"year-1\",\"ts\":\"0001-01-01T00:00:00Z\"}",
        "{\"id\":\"year-9999\",\"ts\":\"9999-12-31T23:59:59Z\"}",
        "{\"id\":\"no-ts\"}");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      rows.add(RowFactory.create(null, values.get(i).getBytes(StandardCharsets.UTF_8), "t", 3, (long) i, KAFKA_TIME,
          0));
    }
    Map<Long, Row> parsed = bounded.parse(spark().createDataFrame(rows, KAFKA), batchTime).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<Long>getAs("_kafka_offset"), r -> r));

    assertThat(parsed.get(0L).<String>getAs("_error")).isNull();
    assertThat(parsed.get(0L).<Integer>getAs("a.b")).as("a field whose name has a dot").isEqualTo(5);
    assertThat(parsed.get(1L).<String>getAs("_error")).as("exactly at the bound").isNull();
    assertThat(parsed.get(2L).<String>getAs("_error")).isEqualTo("event time outside schema.event-time-bounds:"
        + " 2026-11-18T11:59:59Z not within [2026-11-18T12:00:00Z, 2026-11-26T12:00:00Z] (7d before, 1d after the"
        + " batch's time 2026-11-25T12:00:00Z)");
    assertThat(parsed.get(3L).<String>getAs("_error")).startsWith("event time outside schema.event-time-bounds");
    assertThat(parsed.get(4L).<String>getAs("_error")).contains("0001-01-01T00:00:00Z not within");
    assertThat(parsed.get(5L).<String>getAs("_error")).contains("9999-12-31T23:59:59Z not within");
    assertThat(parsed.get(6L).<String>getAs("_error")).as("no event time: the Kafka timestamp, within").isNull();
    assertThat(parsed.get(4L).<String>getAs("_raw_value")).contains("year-1");
  }

  @Test
  void unknownFieldsAreKeptDroppedOrQuarantinedAsConfigured() {
    String value = "{\"id\":\"a\",\"ts\":\"2026-11-25T10:00:00Z\",\"price\":1.50,\"v2\":{\"k\":[1]}}";
    String known = "{\"id\":\"b\",\"ts\":\"2026-11-25T10:00:00Z\"}";
    Map<ArchiverConfig.UnknownFields, Map<Long, Row>> byMode = new java.util.EnumMap<>(
        ArchiverConfig.UnknownFields.class);
    for (ArchiverConfig.UnknownFields mode : ArchiverConfig.UnknownFields.values()) {
      RecordParser p = RecordParser.of(new ArchiverConfig.Schema("id STRING, ts TIMESTAMP", Optional.of("ts"),
          List.of("id"), Optional.empty(), Optional.empty(), mode, false));
      byMode.put(mode, parseBytes(p, List.of(value.getBytes(StandardCharsets.UTF_8),
          known.getBytes(StandardCharsets.UTF_8))));
    }
    Row kept = byMode.get(ArchiverConfig.UnknownFields.KEEP).get(0L);
    assertThat(kept.<String>getAs("_error")).isNull();
    assertThat(kept.<String>getAs("_extra")).isEqualTo("{\"price\":1.50,\"v2\":{\"k\":[1]}}");

    Row dropped = byMode.get(ArchiverConfig.UnknownFields.DROP).get(0L);
    assertThat(dropped.<String>getAs("_error")).isNull();
    assertThat(dropped.<String>getAs("_extra")).as("drop: not looked for").isNull();

    Row quarantined = byMode.get(ArchiverConfig.UnknownFields.QUARANTINE).get(0L);
    assertThat(quarantined.<String>getAs("_error"))
        .isEqualTo("field(s) not in schema.ddl (schema.unknown-fields: quarantine): price, v2");
    assertThat(quarantined.<String>getAs("_raw_value")).isEqualTo(value);
    assertThat(byMode.get(ArchiverConfig.UnknownFields.QUARANTINE).get(1L).<String>getAs("_error"))
        .as("a record without unknown fields is archived").isNull();
  }

  private Map<Long, Row> parse(String... values) {
    List<byte[]> bytes = new ArrayList<>();
    for (String v : values) {
      bytes.add(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
    }
    return parseBytes(bytes);
  }

  private Map<Long, Row> parseBytes(List<byte[]> values) {
    return parseBytes(parser, values);
  }

  private Map<Long, Row> parseBytes(RecordParser parser, List<byte[]> values) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      rows.add(RowFactory.create(null, values.get(i), "t", 3, (long) i, KAFKA_TIME, 0));
    }
    Dataset<Row> kafka = spark().createDataFrame(rows, KAFKA);
    return parser.parse(kafka).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<Long>getAs("_kafka_offset"), r -> r));
  }
}
