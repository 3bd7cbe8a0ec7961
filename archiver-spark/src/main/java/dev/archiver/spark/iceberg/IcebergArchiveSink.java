package dev.archiver.spark.iceberg;

import static org.apache.spark.sql.functions.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.RetriableException;
import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.StoragePaths;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.parse.UnknownFieldCounts;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Writes a batch into the Iceberg archive and quarantine tables, each an append committed with the query id and batch
 * id in its snapshot summary ({@link BatchSnapshots}). Before writing, each table's history is asked whether it
 * already holds the batch (a crash after a table commit and before the manifest): such a table is not written again,
 * and the batch is described from its snapshot. The description (files, counts, event times) always comes from the
 * snapshots, so a fresh batch and a repaired one give the same manifest.
 *
 * <p>The batch is parsed once and kept (memory, then disk) while its statistics are counted and its two tables
 * written. The quarantine table is committed first, the archive table second: the manifest follows both.
 */
public final class IcebergArchiveSink implements ArchiveSink<Dataset<Row>> {
  static final String EVENT_TIME_MIN = "archiver.event-time-min";
  static final String EVENT_TIME_MAX = "archiver.event-time-max";
  static final String INPUT_BYTES = "archiver.input-bytes";
  static final String UNKNOWN_FIELDS = "archiver.unknown-fields";
  private static final String SNAPSHOT_PROPERTY = "snapshot-property.";
  private static final TypeReference<Map<String, Long>> COUNTS = new TypeReference<>() {
  };

  private final ArchiverConfig.Iceberg iceberg;
  private final RecordParser parser;
  private final Catalog catalog;
  private final LongConsumer betweenCommits;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param betweenCommits runs after the quarantine table's commit and before the archive table's (tests inject
   *     crashes there)
   */
  public IcebergArchiveSink(ArchiverConfig.Iceberg iceberg, RecordParser parser, Catalog catalog,
      LongConsumer betweenCommits) {
    this.iceberg = iceberg;
    this.parser = parser;
    this.catalog = catalog;
    this.betweenCommits = betweenCommits;
  }

  @Override
  public WrittenBatch write(BatchContext context, Dataset<Row> kafka) {
    Table archive = catalog.loadTable(TableIdentifier.parse(iceberg.table()));
    Table quarantine = catalog.loadTable(TableIdentifier.parse(iceberg.quarantineTable()));
    Optional<Snapshot> archived = BatchSnapshots.find(archive, context.queryId(), context.batchId());
    Optional<Snapshot> quarantined = BatchSnapshots.find(quarantine, context.queryId(), context.batchId());
    if (archived.isEmpty() || quarantined.isEmpty()) {
      Dataset<Row> parsed = parser.parse(kafka, context.batchTime()).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Map<String, String> summary = summary(context, parsed);
        if (quarantined.isEmpty()) {
          append(parsed.where(col(RecordParser.ERROR).isNotNull())
              .withColumn(RecordParser.QUARANTINE_RAW, col(RecordParser.RAW_VALUE))
              .withColumn(RecordParser.QUARANTINE_BATCH, lit(context.batchId()))
              .withColumn(RecordParser.QUARANTINE_ERROR, col(RecordParser.ERROR)), quarantine,
              iceberg.quarantineTable(), summary);
        }
        betweenCommits.accept(context.batchId());
        if (archived.isEmpty()) {
          append(parsed.where(col(RecordParser.ERROR).isNull()), archive, iceberg.table(), summary);
        }
      } finally {
        parsed.unpersist();
      }
      archived = BatchSnapshots.find(archive, context.queryId(), context.batchId());
      quarantined = BatchSnapshots.find(quarantine, context.queryId(), context.batchId());
    }
    return described(archive, archived.orElseThrow(() -> notFound(context, iceberg.table())), quarantine,
        quarantined.orElseThrow(() -> notFound(context, iceberg.quarantineTable())));
  }

  private static RetriableException notFound(BatchContext context, String table) {
    return new RetriableException("batch " + context.batchId() + " was appended to " + table + " but no snapshot of"
        + " it is in the table's history; another writer may have rolled the table back", null);
  }

  /** The batch's statistics, stored with its snapshots so a repaired batch's manifest says the same. */
  private Map<String, String> summary(BatchContext context, Dataset<Row> parsed) {
    Row stats = parsed.agg(
        min(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("min_time"),
        max(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("max_time"),
        sum(col(RecordParser.VALUE_BYTES)).as("input_bytes")).first();
    Map<String, String> summary = new LinkedHashMap<>();
    summary.put(BatchSnapshots.QUERY_ID, context.queryId());
    summary.put(BatchSnapshots.BATCH_ID, Long.toString(context.batchId()));
    if (!stats.isNullAt(0)) {
      summary.put(EVENT_TIME_MIN, instant(stats.getTimestamp(0)).toString());
      summary.put(EVENT_TIME_MAX, instant(stats.getTimestamp(1)).toString());
    }
    summary.put(INPUT_BYTES, Long.toString(stats.isNullAt(2) ? 0 : ((Number) stats.get(2)).longValue()));
    Map<String, Long> unknown = unknownFields(parsed);
    if (!unknown.isEmpty()) {
      try {
        summary.put(UNKNOWN_FIELDS, json.writeValueAsString(unknown));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    return summary;
  }

  /** Unknown top-level fields of the batch's records, name to records, as the Parquet layout counts them. */
  private Map<String, Long> unknownFields(Dataset<Row> parsed) {
    if (parser.keepsExtra()) {
      return UnknownFieldCounts.inExtra(parsed.where(col(RecordParser.ERROR).isNull()));
    }
    if (parser.quarantinesUnknown()) {
      return UnknownFieldCounts.inErrors(parsed, RecordParser.ERROR);
    }
    return Map.of();
  }

  /**
   * Appends the rows in the table's own column order (columns the table has and the batch lacks are null), with the
   * batch's summary on the snapshot. No rows: an empty append through Iceberg's API, so the table still records the
   * batch.
   */
  private void append(Dataset<Row> rows, Table table, String name, Map<String, String> summary) {
    StructType columns = SparkSchemaUtil.convert(table.schema());
    List<String> present = List.of(rows.columns());
    List<Column> select = new ArrayList<>();
    for (StructField f : columns.fields()) {
      select.add(present.contains(f.name()) ? col("`" + f.name() + "`").cast(f.dataType()).as(f.name())
          : lit(null).cast(f.dataType()).as(f.name()));
    }
    Dataset<Row> aligned = rows.select(select.toArray(Column[]::new));
    if (aligned.isEmpty()) {
      AppendFiles empty = table.newAppend();
      summary.forEach(empty::set);
      empty.commit();
      return;
    }
    Map<String, String> options = new LinkedHashMap<>();
    summary.forEach((k, v) -> options.put(SNAPSHOT_PROPERTY + k, v));
    try {
      aligned.writeTo(iceberg.catalogName() + "." + name).options(options).append();
    } catch (NoSuchTableException e) {
      throw new RetriableException("Iceberg table " + name + " is gone: " + e.getMessage(), e);
    }
  }

  /** The batch as the manifest records it, from its two snapshots. */
  private WrittenBatch described(Table archive, Snapshot archived, Table quarantine, Snapshot quarantined) {
    Files archiveFiles = files(archive, archived);
    Files quarantineFiles = files(quarantine, quarantined);
    Map<String, String> summary = archived.summary();
    Optional<EventTimeRange> eventTime = Optional.ofNullable(summary.get(EVENT_TIME_MIN))
        .map(min -> new EventTimeRange(Instant.parse(min), Instant.parse(summary.get(EVENT_TIME_MAX))));
    long inputBytes = Long.parseLong(summary.getOrDefault(INPUT_BYTES, "0"));
    Map<String, Long> unknown = Map.of();
    if (summary.containsKey(UNKNOWN_FIELDS)) {
      try {
        unknown = json.readValue(summary.get(UNKNOWN_FIELDS), COUNTS);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("snapshot " + archived.snapshotId() + ": unreadable " + UNKNOWN_FIELDS, e);
      }
    }
    return new WrittenBatch(archive.location(), quarantine.location(), archiveFiles.rows(),
        quarantineFiles.rows(), inputBytes, archiveFiles.files(), quarantineFiles.files(), eventTime,
        archiveFiles.partitions(), unknown, Optional.of(ArchiveSchema.of(parser.archiveDdl())), Map.of(),
        Optional.empty());
  }

  private record Files(List<DataFile> files, List<String> partitions, long rows) {
  }

  /** The data files a snapshot added, relative to the table's location, with their partition paths. */
  private static Files files(Table table, Snapshot snapshot) {
    List<DataFile> files = new ArrayList<>();
    TreeSet<String> partitions = new TreeSet<>();
    long rows = 0;
    for (org.apache.iceberg.DataFile f : snapshot.addedDataFiles(table.io())) {
      String path = f.location();
      String relative = StoragePaths.relative(path, table.location()).orElseThrow(() -> new IllegalStateException(
          "data file " + path + " of table " + table.name() + " lies outside the table's location "
              + table.location() + " (write.data.path?); the manifest lists files relative to it"));
      files.add(new DataFile(relative, f.recordCount(), f.fileSizeInBytes()));
      partition(table.specs().get(f.specId()), f.partition()).ifPresent(partitions::add);
      rows += f.recordCount();
    }
    files.sort(Comparator.comparing(DataFile::path));
    return new Files(files, List.copyOf(partitions), rows);
  }

  /**
   * A file's partition as manifests name partitions ({@code event_date=2026-11-25[/event_hour=07]}, the Parquet
   * layout's directories, which the dbt hook turns into time windows), from the table's day or hour partition; empty
   * for a null event time or a table partitioned some other way (a table the archiver did not create).
   */
  static Optional<String> partition(PartitionSpec spec, StructLike values) {
    String transform = spec.fields().size() == 1 ? spec.fields().get(0).transform().toString() : "";
    if (!(transform.equals("day") || transform.equals("hour")) || values.get(0, Integer.class) == null) {
      return Optional.empty();
    }
    int value = values.get(0, Integer.class);
    if (transform.equals("day")) {
      return Optional.of(RecordParser.EVENT_DATE + "=" + LocalDate.ofEpochDay(value));
    }
    if (transform.equals("hour")) {
      LocalDateTime hour = LocalDateTime.ofEpochSecond(value * 3600L, 0, ZoneOffset.UTC);
      return Optional.of(String.format("%s=%s/%s=%02d", RecordParser.EVENT_DATE, hour.toLocalDate(),
          RecordParser.EVENT_HOUR, hour.getHour()));
    }
    return Optional.empty();
  }

  private static Instant instant(Timestamp ts) {
    return DateTimeUtils.microsToInstant(DateTimeUtils.fromJavaTimestamp(ts));
  }
}
