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
    return new Factory(parquet, archiveColumns, new StructType(quarantineFields), quarantineOrdinals, error);
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

    Factory(OutputWriterFactory parquet, int archiveColumns, StructType quarantine, int[] quarantineOrdinals,
        int error) {
      this.parquet = parquet;
      this.archiveColumns = archiveColumns;
      this.quarantine = quarantine;
      this.quarantineOrdinals = quarantineOrdinals;
      this.error = error;
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
   * exactly those.
   */
  private static final class RoutingWriter extends OutputWriter {
    private final String path;
    private final StructType dataSchema;
    private final TaskAttemptContext context;
    private final Factory factory;
    private final DataType[] quarantineTypes;
    private final LeadingColumns archiveRow;
    private OutputWriter archive;
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
          archive = factory.parquet.newInstance(path, dataSchema, context);
          OpenedFiles.record(context.getConfiguration(), new Path(path));
        }
        archive.write(archiveRow.of(row));
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
          archive.close();
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
