package dev.archiver.engine;

import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.compaction.CompactionLog;
import dev.archiver.compaction.Compactor;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.listener.CommitListener;
import dev.archiver.maintenance.MaintenanceReport;
import dev.archiver.maintenance.MaintenanceRequest;
import dev.archiver.vacuum.ArchiveStorage;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The engine that runs the archive job (Spark, in {@code archiver-spark}), found with {@link ServiceLoader} so the
 * application (archiver-app) runs whichever engine its classpath holds; core stays free of Spark.
 */
public interface ArchiverEngine {
  /** Checks what only the engine can (the schema DDL, say); every problem at once, empty when fine. */
  List<ConfigError> validate(ArchiverConfig config);

  /**
   * What a run would refuse about resuming the archive whose latest manifest is {@code last} with this config (a
   * schema.ddl that drops or retypes a column, unless allowed); empty when it may resume. For {@code archiver doctor},
   * the same check the job makes at start.
   */
  default List<ConfigError> resumeErrors(ArchiverConfig config, java.util.Optional<dev.archiver.commit.CommitManifest>
      last) {
    return List.of();
  }

  /**
   * Runs the job: returns once an {@code available-now} run is caught up; a {@code processing-time} run returns
   * only when stopped. Throws with the cause when a batch fails for good. Listeners that are also
   * {@link dev.archiver.metrics.BatchObserver}s get each batch's metrics after its commit.
   */
  void run(ArchiverConfig config, List<CommitListener> listeners);

  /** The commit log under an archive root; {@code storageConf} holds {@code spark.hadoop.*} settings (S3 endpoint...). */
  CommitLog commitLog(String outputPath, Map<String, String> storageConf);

  /**
   * Up to {@code limit} non-null {@code _extra} values (unknown fields as JSON objects) from the given archive files,
   * in file order, for {@code archiver schema suggest}. Files without the column are skipped.
   *
   * @throws dev.archiver.RetriableException when storage cannot be read
   */
  default List<String> sampleExtra(List<String> fileUris, int limit, Map<String, String> storageConf) {
    throw new ArchiverException("this engine cannot read archive files; run the archiver-app jar (bin/archiver)");
  }

  /**
   * Re-archives the committed batches {@code fromBatch..toBatch} (inclusive) of {@code source}'s archive into
   * {@code target}'s, reading from Kafka exactly the offset ranges their manifests recorded and parsing them with
   * {@code target}'s schema; each becomes a batch of the same id with a manifest of its own in {@code target}. The
   * source archive is only read. Idempotent by batch id: a batch already backfilled into {@code target} is skipped.
   *
   * @return the target's manifests of those batches, in batch order
   * @throws dev.archiver.InvalidInputException when a batch is not committed, the target is the source, or the topic
   *     no longer holds a range (deleted by retention, or the topic was recreated): every such problem at once
   */
  default List<CommitManifest> backfill(ArchiverConfig source, ArchiverConfig target,
      long fromBatch, long toBatch) {
    throw new ArchiverException("this engine cannot backfill; run the archiver-spark jar (bin/archiver)");
  }

  /** File operations on the archive's storage, for vacuum. */
  ArchiveStorage storage(Map<String, String> storageConf);

  /** The compaction log under an archive root ({@code _archiver/compactions}). */
  CompactionLog compactionLog(String outputPath, Map<String, String> storageConf);

  /** Rewrites archive files for {@code compact}, writing new ones with {@code compression} (output.compression). */
  Compactor.Rewriter rewriter(Map<String, String> storageConf, String compression);

  /** The end of the names of files {@link #rewriter} writes with {@code compression}. */
  String fileSuffix(String compression);

  /**
   * Runs a table format's own maintenance on the archive and quarantine tables of {@code config}
   * ({@code archiver maintain}); safe beside a running archive job, whose appends commit past it.
   *
   * @throws dev.archiver.InvalidInputException when the config's output is not a table format
   */
  default List<MaintenanceReport> maintain(ArchiverConfig config, MaintenanceRequest request) {
    throw new ArchiverException("this engine has no table maintenance; run the archiver-spark jar (bin/archiver)");
  }

  static ArchiverEngine load() {
    return ServiceLoader.load(ArchiverEngine.class).findFirst().orElseThrow(() -> new ArchiverException(
        "no archiver engine on the classpath: run the archiver-app jar (bin/archiver does) or add archiver-spark"
            + " to your dependencies"));
  }
}
