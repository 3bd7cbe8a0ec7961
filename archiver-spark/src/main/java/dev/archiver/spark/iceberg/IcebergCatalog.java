package dev.archiver.spark.iceberg;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark catalog the archiver's tables live in, registered on the job's session as
 * {@code spark.sql.catalog.<output.iceberg.catalog-name>}: a Hadoop catalog on the warehouse, a JDBC catalog (SQLite
 * by default) for object stores, or, with {@code catalog-type: spark}, whatever the user configured under that name.
 * Keys the user set themselves ({@code spark.sql.catalog.<name>.*}) always win.
 */
public final class IcebergCatalog {
  static final String SPARK_CATALOG = "org.apache.iceberg.spark.SparkCatalog";
  static final String JDBC_CATALOG = "org.apache.iceberg.jdbc.JdbcCatalog";

  private IcebergCatalog() {
  }

  /** The session settings that register the catalog, minus those the user configured. */
  static Map<String, String> settings(ArchiverConfig.Iceberg iceberg, String qualifiedWarehouse,
      Map<String, String> userConf) {
    String prefix = "spark.sql.catalog." + iceberg.catalogName();
    Map<String, String> conf = new LinkedHashMap<>();
    switch (iceberg.catalogType()) {
      case HADOOP -> {
        conf.put(prefix, SPARK_CATALOG);
        conf.put(prefix + ".type", "hadoop");
        conf.put(prefix + ".warehouse", qualifiedWarehouse);
      }
      case JDBC -> {
        conf.put(prefix, SPARK_CATALOG);
        conf.put(prefix + ".catalog-impl", JDBC_CATALOG);
        conf.put(prefix + ".uri", iceberg.catalogUri().orElseThrow());
        conf.put(prefix + ".warehouse", qualifiedWarehouse);
        // V1 keeps views out of the tables' table: what other engines' JDBC catalogs expect of a new database.
        conf.put(prefix + ".jdbc.schema-version", "V1");
      }
      case SPARK -> {
        // Configured by the user, passed through as it is.
      }
      default -> throw new IllegalStateException("unknown catalog type " + iceberg.catalogType());
    }
    if (iceberg.catalogType() != ArchiverConfig.CatalogType.SPARK) {
      // Each batch reads the tables' current state: maintenance or another engine may have committed since.
      conf.put(prefix + ".cache-enabled", "false");
    }
    conf.keySet().removeIf(userConf::containsKey);
    return conf;
  }

  /** Registers the catalog on the session and returns it as Iceberg's own catalog API. */
  public static Catalog register(SparkSession spark, ArchiverConfig config) {
    ArchiverConfig.Iceberg iceberg = config.output().iceberg().orElseThrow();
    String warehouse = new HadoopArchiveStorage(spark.sessionState().newHadoopConf()).qualify(iceberg.warehouse());
    settings(iceberg, warehouse, config.sparkConf()).forEach(spark.conf()::set);
    config.sparkConf().forEach((k, v) -> {
      if (k.startsWith("spark.sql.catalog.")) {
        spark.conf().set(k, v);
      }
    });
    // Spark looks catalogs up in the thread's active session's conf, which need not be this one (the job runs a
    // session of its own).
    scala.Option<SparkSession> previous = SparkSession.getActiveSession();
    SparkSession.setActiveSession(spark);
    try {
      return Spark3Util.loadIcebergCatalog(spark, iceberg.catalogName());
    } finally {
      if (previous.isDefined()) {
        SparkSession.setActiveSession(previous.get());
      } else {
        SparkSession.clearActiveSession();
      }
    }
  }
}
