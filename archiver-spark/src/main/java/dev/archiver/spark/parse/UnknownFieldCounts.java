package dev.archiver.spark.parse;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.json_object_keys;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A batch's unknown top-level fields, name to records, as its manifest records them ({@code unknownFields}): read from
 * the archived rows' {@code _extra} column ({@code schema.unknown-fields: keep}) or from the quarantine's errors
 * ({@code quarantine}). One place for every output format, so Parquet and Iceberg archives count alike.
 */
public final class UnknownFieldCounts {
  private UnknownFieldCounts() {
  }

  /** Name to records, from rows with an {@code _extra} column (rows without unknown fields hold null there). */
  public static Map<String, Long> inExtra(Dataset<Row> rows) {
    return count(rows.where(col(RecordParser.EXTRA).isNotNull())
        .select(explode(array_distinct(json_object_keys(col(RecordParser.EXTRA)))).as("name")));
  }

  /** Name to records, from rows whose {@code errorColumn} says which unknown fields quarantined them. */
  public static Map<String, Long> inErrors(Dataset<Row> rows, String errorColumn) {
    String prefix = RecordParser.UNKNOWN_FIELDS_ERROR;
    return count(rows.where(col(errorColumn).startsWith(prefix))
        .select(explode(array_distinct(split(substring(col(errorColumn), prefix.length() + 1, Integer.MAX_VALUE),
            ", "))).as("name")));
  }

  private static Map<String, Long> count(Dataset<Row> names) {
    Map<String, Long> counts = new TreeMap<>();
    names.groupBy("name").count().collectAsList().forEach(r -> counts.put(r.getString(0), r.getLong(1)));
    return counts;
  }
}
