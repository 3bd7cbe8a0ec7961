package dev.archiver.spark.iceberg;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.config.ConfigException;
import dev.archiver.spark.parse.RecordParser;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive and quarantine tables, made ready at start: created from the schema (lineage columns included,
 * partitioned by the day, or hour, of the event time) or, when they exist, checked against it and given the columns
 * it adds. A column whose type the table cannot take (Iceberg only widens int to long, float to double, decimal
 * precision) stops the job before it reads a record.
 */
public final class IcebergTables {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergTables.class);

  private IcebergTables() {
  }

  /** The archive table's columns: the schema's fields, the Kafka lineage, then {@code _extra} when kept. */
  public static StructType archiveColumns(ArchiverConfig.Schema schema) {
    StructType columns = StructType.fromDDL(schema.ddl());
    columns = lineage(columns);
    if (schema.unknownFields() == ArchiverConfig.UnknownFields.KEEP) {
      columns = columns.add(RecordParser.EXTRA, DataTypes.StringType, true);
    }
    return columns;
  }

  /** The quarantine table's columns: lineage, the raw value, the error and the batch id. */
  public static StructType quarantineColumns() {
    return lineage(new StructType()).add(RecordParser.QUARANTINE_RAW, DataTypes.StringType, true)
        .add(RecordParser.QUARANTINE_ERROR, DataTypes.StringType, true)
        .add(RecordParser.QUARANTINE_BATCH, DataTypes.LongType, true);
  }

  private static StructType lineage(StructType columns) {
    return columns.add("_kafka_topic", DataTypes.StringType, true).add("_kafka_partition", DataTypes.IntegerType, true)
        .add("_kafka_offset", DataTypes.LongType, true).add("_kafka_timestamp", DataTypes.TimestampType, true);
  }

  /** Creates, or checks and evolves, both tables. */
  public static void prepare(Catalog catalog, ArchiverConfig config) {
    ArchiverConfig.Iceberg iceberg = config.output().iceberg().orElseThrow();
    String eventTime = config.schema().eventTimeColumn().orElse("_kafka_timestamp");
    prepare(catalog, iceberg.table(), "output.iceberg.table", archiveColumns(config.schema()), eventTime,
        config.output().partitionByHour(), compression(config.output()));
    prepare(catalog, iceberg.quarantineTable(), "output.iceberg.quarantine-table", quarantineColumns(),
        "_kafka_timestamp", false, compression(config.output()));
  }

  private static String compression(ArchiverConfig.Output output) {
    return output.compression().equals("none") ? "uncompressed" : output.compression();
  }

  private static void prepare(Catalog catalog, String name, String key, StructType columns, String timeColumn,
      boolean byHour, String compression) {
    TableIdentifier id = TableIdentifier.parse(name);
    Schema wanted = SparkSchemaUtil.convert(columns);
    if (!catalog.tableExists(id)) {
      createNamespace(catalog, id.namespace());
      PartitionSpec.Builder spec = PartitionSpec.builderFor(wanted);
      // Named as the Parquet layout's directories (event_date=2026-11-25/), so readers of the files a manifest
      // lists (the dbt hook, with hive partitioning) find the same partition column either way.
      PartitionSpec partitioning = (byHour ? spec.hour(timeColumn, RecordParser.EVENT_HOUR)
          : spec.day(timeColumn, RecordParser.EVENT_DATE)).build();
      try {
        catalog.buildTable(id, wanted).withPartitionSpec(partitioning)
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .withProperty(TableProperties.PARQUET_COMPRESSION, compression)
            .create();
        LOG.info("created Iceberg table {} partitioned by {}", name, partitioning);
        return;
      } catch (AlreadyExistsException raced) {
        LOG.info("Iceberg table {} was created meanwhile; checking it", name);
      }
    }
    Table table = catalog.loadTable(id);
    List<ConfigError> errors = incompatible(table.schema(), wanted, name, key);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    List<String> added = wanted.columns().stream().map(Types.NestedField::name)
        .filter(c -> table.schema().findField(c) == null).toList();
    if (!added.isEmpty()) {
      // One column at a time, as optional columns at the end: older snapshots' files read them as null.
      org.apache.iceberg.UpdateSchema update = table.updateSchema();
      added.forEach(c -> update.addColumn(c, wanted.findField(c).type()));
      update.commit();
      LOG.info("Iceberg table {}: added columns {}", name, added);
    }
  }

  /** Columns the table has with a type the schema's values cannot be written as. */
  static List<ConfigError> incompatible(Schema table, Schema wanted, String name, String key) {
    List<ConfigError> errors = new ArrayList<>();
    for (Types.NestedField column : wanted.columns()) {
      Types.NestedField existing = table.findField(column.name());
      if (existing == null || existing.type().equals(column.type())) {
        continue;
      }
      boolean widens = existing.type().isPrimitiveType() && column.type().isPrimitiveType()
          && TypeUtil.isPromotionAllowed(column.type(), existing.type().asPrimitiveType());
      if (!widens) {
        errors.add(new ConfigError("schema.ddl", "column '" + column.name() + "' is " + describe(existing.type())
            + " in Iceberg table " + name + " (" + key + ") but schema.ddl makes it " + describe(column.type())
            + "; Iceberg cannot change a column's type that way. Declare it as the table has it, or archive into a"
            + " new table"));
      }
    }
    return errors;
  }

  private static String describe(Type type) {
    return type.toString();
  }

  private static void createNamespace(Catalog catalog, Namespace namespace) {
    if (catalog instanceof SupportsNamespaces namespaces && !namespace.isEmpty()
        && !namespaces.namespaceExists(namespace)) {
      try {
        namespaces.createNamespace(namespace);
      } catch (org.apache.iceberg.exceptions.AlreadyExistsException raced) {
        // another driver created it first
      }
    }
  }

}
