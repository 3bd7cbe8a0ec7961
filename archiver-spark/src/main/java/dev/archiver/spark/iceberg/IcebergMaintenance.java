package dev.archiver.spark.iceberg;

import dev.archiver.InvalidInputException;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.maintenance.MaintenanceReport;
import dev.archiver.maintenance.MaintenanceRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.ExpireSnapshots;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code archiver maintain} for Iceberg: Iceberg's own Spark actions on the archive and quarantine tables. Each commits
 * through Iceberg's optimistic concurrency, so a running archiver's appends are never lost: a rewrite replaces only
 * the files it read (appends add others), expiry keeps the current snapshot and everything younger than
 * {@code olderThan}, and orphan removal spares files younger than it (a batch being written).
 */
public final class IcebergMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(IcebergMaintenance.class);

  private final SparkSession spark;
  private final Clock clock;

  public IcebergMaintenance(SparkSession spark, Clock clock) {
    this.spark = spark;
    this.clock = clock;
  }

  public List<MaintenanceReport> run(ArchiverConfig config, MaintenanceRequest request) {
    if (config.output().format() != ArchiverConfig.Format.ICEBERG) {
      throw new InvalidInputException("maintain works on table formats; output.format is "
          + config.output().format().name().toLowerCase(java.util.Locale.ROOT) + " (use archiver compact and vacuum"
          + " for the Parquet layout)", null);
    }
    Catalog catalog = IcebergCatalog.register(spark, config);
    ArchiverConfig.Iceberg iceberg = config.output().iceberg().orElseThrow();
    List<MaintenanceReport> reports = new ArrayList<>();
    for (String name : List.of(iceberg.table(), iceberg.quarantineTable())) {
      reports.add(maintain(name, catalog.loadTable(TableIdentifier.parse(name)), request));
    }
    return reports;
  }

  private MaintenanceReport maintain(String name, Table table, MaintenanceRequest request) {
    long horizon = clock.millis() - request.olderThan().toMillis();
    SparkActions actions = SparkActions.get(spark);
    long rewritten = 0;
    long added = 0;
    if (request.compact()) {
      RewriteDataFiles.Result result = actions.rewriteDataFiles(table)
          .option(RewriteDataFiles.TARGET_FILE_SIZE_BYTES, Long.toString(request.targetFileSize()))
          // Partitions the archiver is still appending to commit in parts, each retried on its own conflicts.
          .option(RewriteDataFiles.PARTIAL_PROGRESS_ENABLED, "true")
          .execute();
      rewritten = result.rewrittenDataFilesCount();
      added = result.addedDataFilesCount();
      LOG.info("{}: compacted {} data file(s) into {}", name, rewritten, added);
    }
    long expired = 0;
    long deleted = 0;
    if (request.expireSnapshots()) {
      table.refresh();
      long before = count(table);
      ExpireSnapshots.Result result = actions.expireSnapshots(table).expireOlderThan(horizon).retainLast(1)
          .execute();
      table.refresh();
      expired = before - count(table);
      deleted += result.deletedDataFilesCount() + result.deletedManifestsCount()
          + result.deletedManifestListsCount();
      LOG.info("{}: expired {} snapshot(s)", name, expired);
    }
    long orphans = 0;
    if (request.removeOrphans()) {
      DeleteOrphanFiles.Result result = actions.deleteOrphanFiles(table).olderThan(horizon).execute();
      for (var ignored : result.orphanFileLocations()) {
        orphans++;
      }
      deleted += orphans;
      LOG.info("{}: removed {} orphan file(s)", name, orphans);
    }
    return new MaintenanceReport(name, rewritten, added, expired, deleted, orphans);
  }

  private static long count(Table table) {
    long n = 0;
    for (var ignored : table.snapshots()) {
      n++;
    }
    return n;
  }
}
