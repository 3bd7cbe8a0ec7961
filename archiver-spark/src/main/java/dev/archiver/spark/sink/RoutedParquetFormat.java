package dev.archiver.spark.sink;

import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOutputWriter;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Parquet, written in one pass to two places: each row goes to the archive file Spark asked for, or, when its error
 * column is set, to a quarantine file beside it under the quarantine root ({@link QuarantineFiles}). Reading the
 * batch once this way needs no cached copy of it: memory stays that of the open Parquet writers.
 *
 * <p>The rows are the archive's columns first, then the quarantine's own columns, the last of them non-null exactly
 * for quarantined rows' error. Options: {@value #ARCHIVE_COLUMNS} (how many leading columns the archive keeps) and
 * {@value #QUARANTINE_COLUMNS} (the ordinals, comma separated, of the quarantine's columns, the error among them).
 */
public class RoutedParquetFormat extends ParquetFileFormat {
  static final String ARCHIVE_COLUMNS = "archiver.route.archive-columns";
  static final String QUARANTINE_COLUMNS = "archiver.route.quarantine-columns";
  static final String ERROR_COLUMN = "archiver.route.error-column";
  /** Ordinal of a boolean column, true for archived rows past the late horizon; unset: none are counted. */
  static final String LATE_COLUMN = "archiver.route.late-column";
  /** Bytes at which an archive file rolls to the next ({@code output.target-file-size}); unset: no size roll. */
  static final String TARGET_FILE_SIZE = "archiver.route.target-file-size";
  /** Rows between two looks at a file's size: asking Parquet for it walks every column's buffers. */
  static final int SIZE_CHECK_ROWS = 100;

  @Override
  public OutputWriterFactory prepareWrite(SparkSession spark, Job job,
      scala.collection.immutable.Map<String, String> options, StructType dataSchema) {
    int archiveColumns = Integer.parseInt(option(options, ARCHIVE_COLUMNS));
    int[] quarantineOrdinals = Arrays.stream(option(options, QUARANTINE_COLUMNS).split(","))
        .mapToInt(Integer::parseInt).toArray();
    int error = Integer.parseInt(option(options, ERROR_COLUMN));
    StructType archive = new StructType(Arrays.copyOf(dataSchema.fields(), archiveColumns));
    StructField[] quarantineFields = new StructField[quarantineOrdinals.length];
    for (int i = 0; i < quarantineOrdinals.length; i++) {
      quarantineFields[i] = dataSchema.fields()[quarantineOrdinals[i]];
    }
    OutputWriterFactory parquet = super.prepareWrite(spark, job, options, archive);
    int late = options.get(LATE_COLUMN).map(Integer::parseInt).getOrElse(() -> -1);
    long target = options.get(TARGET_FILE_SIZE).map(Long::parseLong).getOrElse(() -> Long.MAX_VALUE);
    return new Factory(parquet, archiveColumns, new StructType(quarantineFields), quarantineOrdinals, error, late,
        target);
  }

  /**
   * The n-th file an archive file rolls to by size: {@code part-...-<attempt>.c000.snappy.parquet} becomes
   * {@code part-...-<attempt>.c000-r001.snappy.parquet}. Derived from the name Spark got from the commit protocol,
   * unique to the task attempt, so the rolled names are too, and unlike Spark's own {@code .c001} (its record roll).
   */
  static Path rolled(Path file, int n) {
    String name = file.getName();
    int first = name.indexOf('.');
    int second = first < 0 ? -1 : name.indexOf('.', first + 1);
    int at = second < 0 ? name.length() : second;
    return new Path(file.getParent(), name.substring(0, at) + String.format("-r%03d", n) + name.substring(at));
  }

  private static String option(scala.collection.immutable.Map<String, String> options, String key) {
    return options.get(key).getOrElse(() -> {
      throw new IllegalStateException(key + " is not set: RoutedParquetFormat only serves archiver writes");
    });
  }

  private static final class Factory extends OutputWriterFactory {
    private static final long serialVersionUID = 1L;
    private final OutputWriterFactory parquet;
    private final int archiveColumns;
    private final StructType quarantine;
    private final int[] quarantineOrdinals;
    private final int error;
    private final int late;
    private final long targetFileSize;

    Factory(OutputWriterFactory parquet, int archiveColumns, StructType quarantine, int[] quarantineOrdinals,
        int error, int late, long targetFileSize) {
      this.parquet = parquet;
      this.archiveColumns = archiveColumns;
      this.quarantine = quarantine;
      this.quarantineOrdinals = quarantineOrdinals;
      this.error = error;
      this.late = late;
      this.targetFileSize = targetFileSize;
    }

    @Override
    public String getFileExtension(TaskAttemptContext context) {
      return parquet.getFileExtension(context);
    }

    @Override
    public OutputWriter newInstance(String path, StructType dataSchema, TaskAttemptContext context) {
      return new RoutingWriter(path, dataSchema, context, this);
    }
  }

  /**
   * Opens each of its two files at its first row: a partition whose rows all fail writes no archive file, and a
   * batch with no failures no quarantine file. Each file opened is recorded for the commit protocol, which lists
   * exactly those. An archive file whose size passes the target is closed and the next rows go to a file rolled from
   * its name ({@link #rolled}); each archive file's late rows are recorded as it closes.
   */
  private static final class RoutingWriter extends OutputWriter {
    private final String path;
    private final StructType dataSchema;
    private final TaskAttemptContext context;
    private final Factory factory;
    private final DataType[] quarantineTypes;
    private final LeadingColumns archiveRow;
    private OutputWriter archive;
    private Path archivePath;
    private long archiveLate;
    private long rowsSinceSizeCheck;
    private int rolls;
    private OutputWriter quarantine;

    RoutingWriter(String path, StructType dataSchema, TaskAttemptContext context, Factory factory) {
      this.path = path;
      this.dataSchema = dataSchema;
      this.context = context;
      this.factory = factory;
      this.quarantineTypes = Arrays.stream(factory.quarantineOrdinals)
          .mapToObj(i -> dataSchema.fields()[i].dataType()).toArray(DataType[]::new);
      this.archiveRow = new LeadingColumns(factory.archiveColumns);
    }

    @Override
    public void write(InternalRow row) {
      if (row.isNullAt(factory.error)) {
        if (archive == null) {
          openArchive();
        }
        archive.write(archiveRow.of(row));
        if (factory.late >= 0 && !row.isNullAt(factory.late) && row.getBoolean(factory.late)) {
          archiveLate++;
        }
        if (factory.targetFileSize != Long.MAX_VALUE && ++rowsSinceSizeCheck >= SIZE_CHECK_ROWS) {
          rowsSinceSizeCheck = 0;
          if (shouldRoll(ParquetDataSize.of(archive), factory.targetFileSize)) {
            closeArchive();
            rolls++;
          }
        }
        return;
      }
      if (quarantine == null) {
        quarantine = openQuarantine();
      }
      Object[] values = new Object[factory.quarantineOrdinals.length];
      for (int i = 0; i < values.length; i++) {
        int ordinal = factory.quarantineOrdinals[i];
        values[i] = row.isNullAt(ordinal) ? null : row.get(ordinal, quarantineTypes[i]);
      }
      quarantine.write(new GenericInternalRow(values));
    }

    /** Roll when the file's bytes so far (written plus buffered) reached the target. */
    private static boolean shouldRoll(long bytes, long target) {
      return bytes >= target;
    }

    /** The file Spark asked for first, then its rolled successors, each recorded before a byte is written. */
    private void openArchive() {
      archivePath = rolls == 0 ? new Path(path) : rolled(new Path(path), rolls);
      OpenedFiles.record(context.getConfiguration(), archivePath);
      archive = factory.parquet.newInstance(archivePath.toString(), dataSchema, context);
      archiveLate = 0;
      rowsSinceSizeCheck = 0;
    }

    private void closeArchive() {
      try {
        archive.close();
      } finally {
        OpenedFiles.recordLate(context.getConfiguration(), archivePath, archiveLate);
        archive = null;
      }
    }

    private OutputWriter openQuarantine() {
      Configuration conf = new Configuration(context.getConfiguration());
      ParquetWriteSupport.setSchema(factory.quarantine, conf);
      // Named after this attempt's archive file, so no other attempt shares it (DirectWriteCommitProtocol).
      Path file = QuarantineFiles.of(conf, new Path(path));
      OutputWriter writer = new ParquetOutputWriter(file.toString(),
          new TaskAttemptContextImpl(conf, context.getTaskAttemptID()));
      OpenedFiles.record(context.getConfiguration(), file);
      return writer;
    }

    @Override
    public void close() {
      try {
        if (archive != null) {
          closeArchive();
        }
      } finally {
        if (quarantine != null) {
          quarantine.close();
        }
      }
    }

    @Override
    public String path() {
      return path;
    }
  }
}
