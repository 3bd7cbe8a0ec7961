package dev.archiver.compaction;

import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.ManifestTotals;
import dev.archiver.commit.RunningTotals;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code status} reports of an archive, read from the newest manifest's running totals
 * ({@link ManifestTotals}), the manifests of batches that lost data, and the compaction log: a reader's cost follows
 * the compactions and the data-loss events, not the number of batches (README "The log's growth").
 *
 * @param last the newest batch's manifest; empty when nothing is committed
 * @param totals the running totals through it
 * @param files the current archive files (batches' files as compactions rewrote them), as {@link LiveFiles} counts
 * @param bytes their bytes
 * @param compactions every committed compaction, in sequence order
 * @param replacedFiles files the compactions replaced, deleted by vacuum after its grace period
 * @param lossy the manifests of batches with data loss or offset resets, in batch order
 */
public record ArchiveState(Optional<CommitManifest> last, ManifestTotals totals, long files, long bytes,
    List<CompactionManifest> compactions, long replacedFiles, List<CommitManifest> lossy) {
  public ArchiveState {
    compactions = List.copyOf(compactions);
    lossy = List.copyOf(lossy);
  }

  /** Reads the state: one listing of manifest names, the newest manifest, the lossy ones and the compactions. */
  public static ArchiveState read(CommitLog log, CompactionLog compactionLog) {
    Optional<RunningTotals.Latest> latest = RunningTotals.latest(log);
    ManifestTotals totals = latest.map(RunningTotals.Latest::totals).orElse(ManifestTotals.NONE);
    List<CompactionManifest> compactions = compactionLog.all();
    long files = totals.files();
    long bytes = totals.bytes();
    long replaced = 0;
    for (CompactionManifest c : compactions) {
      files += c.files().size() - c.replaced().size();
      bytes += bytes(c.files()) - bytes(c.replaced());
      replaced += c.replaced().size();
    }
    List<CommitManifest> lossy = totals.dataLossBatches().stream().map(log::read).flatMap(Optional::stream)
        .toList();
    return new ArchiveState(latest.map(RunningTotals.Latest::manifest), totals, files, bytes, compactions, replaced,
        lossy);
  }

  /** The end offset committed per topic-partition: the newest batch that covers it. */
  public Map<String, Long> committedOffsets() {
    return totals.committedOffsets();
  }

  private static long bytes(List<DataFile> files) {
    return files.stream().mapToLong(DataFile::bytes).sum();
  }
}
