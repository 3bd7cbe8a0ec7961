package dev.archiver.spark.sink;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.types.CalendarInterval;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The first columns of a row, without copying it: Spark's Parquet writer walks every column a row has, and the
 * archive keeps only the leading ones of the rows {@link RoutedParquetFormat} routes. Valid while the row is.
 */
final class LeadingColumns extends InternalRow {
  private static final long serialVersionUID = 1L;
  private final int columns;
  private InternalRow row;

  LeadingColumns(int columns) {
    this.columns = columns;
  }

  LeadingColumns of(InternalRow row) {
    this.row = row;
    return this;
  }

  @Override
  public int numFields() {
    return columns;
  }

  @Override
  public void setNullAt(int i) {
    throw new UnsupportedOperationException("a read-only view");
  }

  @Override
  public void update(int i, Object value) {
    throw new UnsupportedOperationException("a read-only view");
  }

  @Override
  public InternalRow copy() {
    throw new UnsupportedOperationException("a view for one write; the Parquet writer never copies it");
  }

  @Override
  public boolean isNullAt(int i) {
    return row.isNullAt(i);
  }

  @Override
  public boolean getBoolean(int i) {
    return row.getBoolean(i);
  }

  @Override
  public byte getByte(int i) {
    return row.getByte(i);
  }

  @Override
  public short getShort(int i) {
    return row.getShort(i);
  }

  @Override
  public int getInt(int i) {
    return row.getInt(i);
  }

  @Override
  public long getLong(int i) {
    return row.getLong(i);
  }

  @Override
  public float getFloat(int i) {
    return row.getFloat(i);
  }

  @Override
  public double getDouble(int i) {
    return row.getDouble(i);
  }

  @Override
  public Decimal getDecimal(int i, int precision, int scale) {
    return row.getDecimal(i, precision, scale);
  }

  @Override
  public UTF8String getUTF8String(int i) {
    return row.getUTF8String(i);
  }

  @Override
  public byte[] getBinary(int i) {
    return row.getBinary(i);
  }

  @Override
  public CalendarInterval getInterval(int i) {
    return row.getInterval(i);
  }

  @Override
  public InternalRow getStruct(int i, int numFields) {
    return row.getStruct(i, numFields);
  }

  @Override
  public ArrayData getArray(int i) {
    return row.getArray(i);
  }

  @Override
  public MapData getMap(int i) {
    return row.getMap(i);
  }

  @Override
  public Object get(int i, DataType type) {
    return row.get(i, type);
  }
}
