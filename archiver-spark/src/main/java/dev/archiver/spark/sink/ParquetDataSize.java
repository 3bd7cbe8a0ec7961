package dev.archiver.spark.sink;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOutputWriter;

/**
 * How many bytes a Spark Parquet writer's file holds so far: written row groups plus what is buffered for the next,
 * as Parquet's own {@code ParquetWriter.getDataSize()} counts it. Spark's {@code ParquetOutputWriter} keeps its
 * Parquet record writer private and that one keeps its size to itself, so this reaches them by reflection (Spark
 * 3.5, Parquet 1.13); {@code ParquetArchiveSinkIT} fails if an upgrade moves them, rather than files silently
 * never rolling.
 */
final class ParquetDataSize {
  private ParquetDataSize() {
  }

  /** The file's size so far in bytes; throws when the writer is not one this class can read. */
  static long of(OutputWriter writer) {
    try {
      Object recordWriter = field(ParquetOutputWriter.class, "recordWriter").get(writer);
      Object internal = field(recordWriter.getClass(), "internalWriter").get(recordWriter);
      Method size = internal.getClass().getDeclaredMethod("getDataSize");
      size.setAccessible(true);
      return (Long) size.invoke(internal);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot read the size of the Parquet file " + writer.path() + " being"
          + " written (Spark or Parquet changed their writers' internals); output.target-file-size needs it", e);
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field f = type.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }
}
