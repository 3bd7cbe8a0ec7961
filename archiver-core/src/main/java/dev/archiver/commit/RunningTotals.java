package dev.archiver.commit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The archive's running totals read from as few manifests as possible: the newest manifest's {@code totals} when it
 * has them (every manifest this archiver writes does), else folded forward from the newest earlier manifest that has
 * them, or from the log's {@link LogSummary}, or from the first batch (an archive written before totals existed: read
 * once in full, as every reader did then).
 */
public final class RunningTotals {
  private RunningTotals() {
  }

  /** The newest manifest and the totals through it; empty when nothing is committed. */
  public record Latest(CommitManifest manifest, ManifestTotals totals) {
  }

  /** One listing of names, one read on a log whose newest manifest has totals. */
  public static Optional<Latest> latest(CommitLog log) {
    Optional<Long> newest = log.latestBatchId();
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    CommitManifest manifest = log.read(newest.get()).orElseThrow(() -> new IllegalStateException(
        "manifest of batch " + newest.get() + " was listed but cannot be read"));
    return Optional.of(new Latest(manifest, through(log, manifest)));
  }

  /** The totals through {@code manifest}, a committed batch of {@code log}. */
  public static ManifestTotals through(CommitLog log, CommitManifest manifest) {
    if (manifest.totals().isPresent()) {
      return manifest.totals().get();
    }
    Optional<LogSummary> summary = log.summary();
    long floor = summary.map(LogSummary::throughBatchId).orElse(-1L);
    ManifestTotals start = summary.map(LogSummary::totals).orElse(ManifestTotals.NONE);
    Deque<CommitManifest> toFold = new ArrayDeque<>();
    toFold.push(manifest);
    List<Long> ids = log.batchIdsAfter(floor);
    for (int i = ids.size() - 1; i >= 0; i--) {
      if (ids.get(i) >= manifest.batchId()) {
        continue;
      }
      CommitManifest earlier = log.read(ids.get(i)).orElseThrow();
      if (earlier.totals().isPresent()) {
        start = earlier.totals().get();
        break;
      }
      toFold.push(earlier);
    }
    ManifestTotals totals = start;
    for (CommitManifest m : toFold) {
      totals = totals.plus(m);
    }
    return totals;
  }

  /**
   * The totals through the batch before {@code batchId}: the writer's starting point. One read when the previous
   * batch committed a manifest with totals (the usual case).
   */
  public static ManifestTotals before(CommitLog log, long batchId) {
    Optional<CommitManifest> previous = batchId > 0 ? log.read(batchId - 1) : Optional.empty();
    if (previous.isPresent()) {
      return through(log, previous.get());
    }
    Optional<LogSummary> summary = log.summary();
    List<Long> earlier = log.batchIdsAfter(summary.map(LogSummary::throughBatchId).orElse(-1L)).stream()
        .filter(id -> id < batchId).toList();
    if (earlier.isEmpty()) {
      return summary.map(LogSummary::totals).orElse(ManifestTotals.NONE);
    }
    return through(log, log.read(earlier.get(earlier.size() - 1)).orElseThrow());
  }
}
