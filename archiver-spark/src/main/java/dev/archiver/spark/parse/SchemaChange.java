package dev.archiver.spark.parse;

import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ArchiverConfigKeys;
import dev.archiver.config.ConfigError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a restart's {@code schema.ddl} changes against the schema of the last committed batch, and which changes
 * readers cannot follow. Adding a nullable column is the one safe change: old files lack it, and every documented
 * reader (DuckDB {@code union_by_name}, Spark {@code mergeSchema}, the dbt macros) reads it as null there. A removed
 * column, a changed type (narrowed or widened: Spark's {@code mergeSchema} refuses two types for one column) and a
 * new required column (old files have no value for it) are refused at start unless
 * {@code schema.allow-incompatible-change} says they are meant.
 */
public final class SchemaChange {
  private SchemaChange() {
  }

  /** The refusals for starting with {@code config} after {@code last}; empty when the start may go ahead. */
  public static List<ConfigError> check(ArchiverConfig.Schema config, Optional<CommitManifest> last) {
    Optional<ArchiveSchema> previous = last.flatMap(CommitManifest::schema);
    if (previous.isEmpty() || config.allowIncompatibleChange()) {
      return List.of(); // a new archive, one written before manifests recorded schemas, or a change that is meant
    }
    long batch = last.get().batchId();
    return incompatible(previous.get().ddl(), StructType.fromDDL(config.ddl()), config.requiredColumns()).stream()
        .map(problem -> new ConfigError(ArchiverConfigKeys.SCHEMA_DDL.name(), problem + " since batch " + batch
            + " (" + previous.get().ddl() + "); readers of the archive cannot follow. Restore the column, or start "
            + "with --allow-schema-change (" + ArchiverConfigKeys.ALLOW_SCHEMA_CHANGE.name() + ": true) if meant"))
        .toList();
  }

  /** Each incompatible change from {@code previousDdl} to {@code next}, naming the column. */
  static List<String> incompatible(String previousDdl, StructType next, List<String> required) {
    StructType previous = StructType.fromDDL(previousDdl);
    List<String> problems = new ArrayList<>();
    for (StructField old : previous.fields()) {
      if (old.name().equals(RecordParser.EXTRA)) {
        continue; // follows schema.unknown-fields, not schema.ddl
      }
      Optional<StructField> now = field(next, old.name());
      if (now.isEmpty()) {
        problems.add("column '" + old.name() + "' (" + old.dataType().sql() + ") is removed");
      } else if (!now.get().dataType().equals(old.dataType())) {
        problems.add("column '" + old.name() + "' changes type from " + old.dataType().sql() + " to "
            + now.get().dataType().sql());
      }
    }
    for (String column : required) {
      if (field(previous, column).isEmpty()) {
        problems.add("required column '" + column + "' is new: files written before have no value for it");
      }
    }
    return problems;
  }

  private static Optional<StructField> field(StructType type, String name) {
    for (StructField f : type.fields()) {
      if (f.name().equals(name)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
