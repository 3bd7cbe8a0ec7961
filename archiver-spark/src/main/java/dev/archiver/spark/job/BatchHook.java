package dev.archiver.spark.job;

/**
 * Points inside a batch where tests inject faults (a crash after the files, before the manifest). Production runs
 * use {@link #NONE}.
 */
interface BatchHook {
  BatchHook NONE = (stage, batchId) -> {
  };

  /** Stages a batch passes, in order. */
  enum Stage {
    BEFORE_WRITE,
    /** Iceberg only: after the quarantine table's commit, before the archive table's. */
    BETWEEN_TABLE_COMMITS,
    AFTER_FILES,
    AFTER_COMMIT
  }

  void at(Stage stage, long batchId);
}
