package dev.archiver.spark.sink;

import static org.apache.spark.sql.functions.*;

import dev.archiver.RetriableException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.parse.RecordParser;
import dev.archiver.spark.parse.UnknownFieldCounts;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;

/**
 * Writes a batch as Parquet: good records partitioned by event date (and hour) under the archive root, failed ones
 * under the quarantine root. One pass: Kafka is read once, each record is parsed, counted and routed to its file by
 * {@link RoutedParquetFormat}, with no cached copy of the batch and no shuffle (unless
 * {@code output.max-files-per-partition-per-batch} asks for one), so memory is that of the open Parquet writers
 * whatever the batch size. Files go straight to their final names through {@link DirectWriteCommitProtocol}, rolling
 * at {@code output.target-file-size}; with {@code output.late-after} each committed task reports its late rows.
 */
public final class ParquetArchiveSink implements ArchiveSink<Dataset<Row>> {
  private final ArchiverConfig.Output output;
  private final RecordParser parser;
  private final Configuration hadoopConf;

  public ParquetArchiveSink(ArchiverConfig.Output output, RecordParser parser, Configuration hadoopConf) {
    this.output = output;
    this.parser = parser;
    this.hadoopConf = hadoopConf;
  }

  @Override
  public WrittenBatch write(BatchContext context, Dataset<Row> kafka) {
    try {
      Roots roots = new Roots(qualified(output.path()), qualified(output.quarantine()));
      Dataset<Row> batch = parser.parse(kafka, context.batchTime());
      Observation stats = new Observation("archiver-batch-" + context.batchId() + "-" + UUID.randomUUID());
      Dataset<Row> observed = batch.observe(stats,
          count_if(col(RecordParser.ERROR).isNull()).as("archived"),
          count_if(col(RecordParser.ERROR).isNotNull()).as("quarantined"),
          min(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("min_time"),
          max(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("max_time"),
          sum(col(RecordParser.VALUE_BYTES)).as("input_bytes"));
      List<String> partitionColumns = output.partitionByHour()
          ? List.of(RecordParser.EVENT_DATE, RecordParser.EVENT_HOUR) : List.of(RecordParser.EVENT_DATE);
      Optional<Instant> lateBefore = lateBefore(context.batchTime());
      Dataset<Row> routed = parser.routed(observed, output.partitionByHour(), context.batchId(), lateBefore);
      Committed files = write(boundFanOut(routed, partitionColumns), context.batchId(), partitionColumns, roots,
          lateBefore.isPresent());
      Map<String, Object> counts = stats.getAsJava();
      long archived = (Long) counts.get("archived");
      long quarantined = (Long) counts.get("quarantined");
      Optional<EventTimeRange> eventTime = Optional.ofNullable((Timestamp) counts.get("min_time"))
          .map(min -> new EventTimeRange(instant(min), instant((Timestamp) counts.get("max_time"))));
      long inputBytes = counts.get("input_bytes") == null ? 0 : ((Number) counts.get("input_bytes")).longValue();
      Map<String, Long> unknownFields = unknownFields(kafka.sparkSession(), roots, files);
      return new WrittenBatch(roots.archive(), roots.quarantine(), archived, quarantined, inputBytes, files.archive(),
          files.quarantine(), eventTime, partitions(files.archive()), unknownFields,
          Optional.of(ArchiveSchema.of(parser.archiveDdl())), files.late(), lateBefore);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while writing batch " + context.batchId(), e);
    }
  }

  /** The archive and quarantine roots, qualified (scheme and authority), once per batch. */
  private record Roots(String archive, String quarantine) {
  }

  /**
   * The files one write committed, relative to their roots; {@code withExtra} those archive files whose footer
   * says some record has {@code _extra} (or does not say); {@code late} the late rows per archive partition in them.
   */
  private record Committed(List<DataFile> archive, List<DataFile> quarantine, List<String> withExtra,
      Map<String, Long> late) {
  }

  /**
   * The unknown fields of the batch, name to records, counted from the committed files rather than while writing:
   * a task attempt that failed or lost a speculation race wrote files no manifest lists, and its records must not
   * count. A batch without unknown fields costs nothing more than the footers already read; one with them, a read
   * of the {@code _extra} column of the files that have some (or of the quarantine's errors, with
   * {@code quarantine}).
   */
  private Map<String, Long> unknownFields(SparkSession spark, Roots roots, Committed files) {
    if (parser.keepsExtra() && !files.withExtra().isEmpty()) {
      return UnknownFieldCounts.inExtra(spark.read().parquet(files.withExtra().toArray(String[]::new)));
    }
    if (parser.quarantinesUnknown() && !files.quarantine().isEmpty()) {
      return UnknownFieldCounts.inErrors(spark.read().parquet(files.quarantine().stream()
          .map(f -> roots.quarantine() + "/" + f.path()).toArray(String[]::new)), RecordParser.QUARANTINE_ERROR);
    }
    return Map.of();
  }

  /**
   * The late horizon of a batch: its time from Spark's offset log (the same on every replay, so a replayed batch
   * counts the same rows late) minus {@code output.late-after}. Processing time, not the latest event seen: a topic
   * that stalls for a day and then delivers the day's events on time must not call them late because of the stall
   * alone, yet that is what users mean by "arrived two days late" too, so it is measured from when the batch ran.
   */
  private Optional<Instant> lateBefore(Instant batchTime) {
    return output.lateAfter().map(batchTime::minus);
  }

  /**
   * With {@code output.max-files-per-partition-per-batch} N: shuffle the batch so that each archive partition's rows
   * go to at most N tasks (hash of the partition values and a salt in [0, N) taken from the Kafka coordinates, so a
   * replay routes every record the same way), hence at most N writers per partition, each rolling by size. Without
   * it, no shuffle: each reading task writes every partition its records fall in.
   */
  private Dataset<Row> boundFanOut(Dataset<Row> routed, List<String> partitionColumns) {
    if (output.maxFilesPerPartition().isEmpty()) {
      return routed;
    }
    int n = output.maxFilesPerPartition().get();
    List<org.apache.spark.sql.Column> keys = new ArrayList<>();
    partitionColumns.forEach(c -> keys.add(col(c)));
    keys.add(pmod(xxhash64(col("_kafka_partition"), col("_kafka_offset")), lit(n)));
    return routed.repartition(keys.toArray(org.apache.spark.sql.Column[]::new));
  }

  /** One pass over the batch; the files it committed. */
  private Committed write(Dataset<Row> rows, long batchId, List<String> partitionBy, Roots roots,
      boolean countLate) {
    Path receipt = new Path(new Path(output.path()), ArchiveLayout.ARCHIVER_DIR + "/receipts/"
        + ArchiveLayout.padded(batchId) + "-" + UUID.randomUUID() + ".tsv");
    rows.write().mode(SaveMode.Append)
        .format(RoutedParquetFormat.class.getName())
        .partitionBy(partitionBy.toArray(String[]::new))
        .option("compression", output.compression().equals("none") ? "uncompressed" : output.compression())
        .option("maxRecordsPerFile", output.maxRecordsPerFile())
        .option(DirectWriteCommitProtocol.BATCH_ID, batchId)
        .option(DirectWriteCommitProtocol.RECEIPT, receipt.toString())
        .option(QuarantineFiles.ROOT, roots.quarantine())
        .option(RoutedParquetFormat.ARCHIVE_COLUMNS, parser.archiveColumns())
        .option(RoutedParquetFormat.QUARANTINE_COLUMNS, parser.quarantineColumns().stream().map(String::valueOf)
            .collect(Collectors.joining(",")))
        .option(RoutedParquetFormat.ERROR_COLUMN, parser.errorOrdinal())
        .option(RoutedParquetFormat.TARGET_FILE_SIZE, output.targetFileSize())
        .options(countLate ? Map.of(RoutedParquetFormat.LATE_COLUMN, String.valueOf(parser.lateOrdinal()))
            : Map.of())
        .save(output.path());
    return readReceipt(receipt, roots, batchId);
  }

  /** The files one write committed, relative to their root, with rows read from each Parquet footer. */
  private Committed readReceipt(Path receipt, Roots roots, long batchId) {
    try {
      FileSystem fs = receipt.getFileSystem(hadoopConf);
      String text;
      try (InputStream in = fs.open(receipt)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String archive = roots.archive() + "/";
      String quarantine = roots.quarantine() + "/";
      List<DataFile> archived = new ArrayList<>();
      List<DataFile> quarantined = new ArrayList<>();
      List<String> withExtra = new ArrayList<>();
      Map<String, Long> late = new TreeMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        // bytes, late rows, path (DirectWriteCommitProtocol.commitTask)
        String[] parts = line.split("\t", 3);
        String file = parts[2];
        long bytes = Long.parseLong(parts[0]);
        long lateRows = Long.parseLong(parts[1]);
        // The quarantine root may lie under the archive root (the default): test it first.
        boolean inQuarantine = file.startsWith(quarantine);
        String root = inQuarantine ? quarantine : archive;
        String relative = file.startsWith(root) ? file.substring(root.length()) : file;
        Footer footer = checkedFooter(new Path(file), bytes, batchId);
        if (lateRows > footer.rows()) {
          throw new IllegalStateException("batch " + batchId + ": " + file + " holds " + footer.rows() + " rows but"
              + " its task counted " + lateRows + " late; not committing");
        }
        (inQuarantine ? quarantined : archived).add(new DataFile(relative, footer.rows(), bytes));
        if (!inQuarantine && footer.hasExtra()) {
          withExtra.add(file);
        }
        if (lateRows > 0) {
          late.merge(partition(relative), lateRows, Long::sum);
        }
      }
      fs.delete(receipt, false);
      archived.sort(Comparator.comparing(DataFile::path));
      quarantined.sort(Comparator.comparing(DataFile::path));
      return new Committed(List.copyOf(archived), List.copyOf(quarantined), List.copyOf(withExtra), late);
    } catch (IOException e) {
      throw new RetriableException("cannot read the write receipt " + receipt + ": " + e.getMessage(), e);
    }
  }

  /**
   * The rows of a file a committed task reported, from its footer, after checking that it is there with the length
   * the task saw: a file deleted or replaced since (by a stray attempt, a person, a lifecycle rule) fails the batch,
   * whose retry writes new files, instead of committing a manifest that lists it.
   */
  private Footer checkedFooter(Path file, long reportedBytes, long batchId) throws IOException {
    FileSystem fs = file.getFileSystem(hadoopConf);
    FileStatus status;
    try {
      status = fs.getFileStatus(file);
    } catch (FileNotFoundException e) {
      throw new RetriableException("batch " + batchId + ": " + file + ", written by a committed task, is gone;"
          + " something deletes files under the output while the archiver writes. Not committing the batch", e);
    }
    if (status.getLen() != reportedBytes) {
      throw new RetriableException("batch " + batchId + ": " + file + " holds " + status.getLen() + " bytes but its"
          + " task committed " + reportedBytes + "; another writer replaced it. Not committing the batch", null);
    }
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(status, hadoopConf))) {
      long rows = 0;
      boolean extra = false;
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        rows += block.getRowCount();
        extra |= parser.keepsExtra() && hasExtra(block);
      }
      return new Footer(rows, extra);
    }
  }

  /** A file's rows, and whether a record of it may have unknown fields. */
  private record Footer(long rows, boolean hasExtra) {
  }

  /** Whether the row group may hold a non-null {@code _extra}: not when its statistics count only nulls. */
  private static boolean hasExtra(BlockMetaData block) {
    for (ColumnChunkMetaData column : block.getColumns()) {
      if (column.getPath().toDotString().equals(RecordParser.EXTRA)) {
        Statistics<?> stats = column.getStatistics();
        return stats == null || !stats.isNumNullsSet() || stats.getNumNulls() < block.getRowCount();
      }
    }
    return true; // no statistics for the column: look
  }

  /**
   * The instant Spark meant: a {@code java.sql.Timestamp} from a Row counts dates before 1582 in the Julian
   * calendar, so {@code toInstant()} would shift an event of year 1 by two days.
   */
  private static Instant instant(Timestamp ts) {
    return DateTimeUtils.microsToInstant(DateTimeUtils.fromJavaTimestamp(ts));
  }

  private String qualified(String root) {
    return new HadoopArchiveStorage(hadoopConf).qualify(root);
  }

  private static List<String> partitions(List<DataFile> files) {
    TreeSet<String> dirs = new TreeSet<>();
    for (DataFile f : files) {
      if (f.path().lastIndexOf('/') > 0) {
        dirs.add(partition(f.path()));
      }
    }
    return List.copyOf(dirs);
  }

  /** The partition directory of an archive file's relative path, e.g. {@code event_date=2026-11-25}. */
  private static String partition(String relativePath) {
    int slash = relativePath.lastIndexOf('/');
    return slash > 0 ? relativePath.substring(0, slash) : "";
  }

}
