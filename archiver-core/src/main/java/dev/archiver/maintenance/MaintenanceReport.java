package dev.archiver.maintenance;

import java.util.List;

/**
 * What one table's maintenance did.
 *
 * @param table the table's name
 * @param rewrittenFiles data files compaction replaced
 * @param addedFiles data files compaction wrote
 * @param expiredSnapshots snapshots dropped
 * @param deletedFiles data and metadata files deleted (by expiry and orphan removal together)
 * @param orphans orphan files removed
 */
public record MaintenanceReport(String table, long rewrittenFiles, long addedFiles, long expiredSnapshots,
    long deletedFiles, long orphans) {

  /** One line per table, for the CLI. */
  public static String describe(List<MaintenanceReport> reports) {
    StringBuilder out = new StringBuilder();
    for (MaintenanceReport r : reports) {
      out.append(String.format("maintain %s: compacted %d file(s) into %d, expired %d snapshot(s), deleted %d"
          + " file(s), removed %d orphan(s)%n", r.table(), r.rewrittenFiles(), r.addedFiles(), r.expiredSnapshots(),
          r.deletedFiles(), r.orphans()));
    }
    return out.toString();
  }
}
