package dev.archiver.commit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds old manifests into a {@link LogSummary} and removes them ({@code archiver expire-manifests}), keeping what
 * readers need: the newest manifest always stays (status reads it); manifests that record data loss stay (status
 * reports each range); the summary's totals carry the removed batches' counts; vacuum keeps every file named for a
 * batch up to the summary; batches a dbt ledger has not applied yet stay ({@code keepAfter}). The summary is
 * published before any manifest is removed, so a crash in between leaves manifests a rerun removes.
 */
public final class ManifestExpiry {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestExpiry.class);

  private ManifestExpiry() {
  }

  /**
   * What an expiry did (or, in a dry run, would do).
   *
   * @param summary the summary written (or that would be); empty when nothing was old enough
   * @param removed batches whose manifests were removed
   * @param kept batches old enough but kept: they record data loss
   */
  public record Result(Optional<LogSummary> summary, List<Long> removed, List<Long> kept) {
  }

  /**
   * Expires the manifests committed before {@code cutoff}, up to batch {@code keepAfter} (inclusive; a dbt ledger's
   * newest applied batch, or {@code Long.MAX_VALUE}), never the newest.
   */
  public static Result run(CommitLog log, Instant cutoff, long keepAfter, Instant now, boolean dryRun) {
    Optional<LogSummary> previous = log.summary();
    long floor = previous.map(LogSummary::throughBatchId).orElse(-1L);
    List<Long> ids = log.batchIdsAfter(-1);
    if (ids.isEmpty()) {
      return new Result(Optional.empty(), List.of(), List.of());
    }
    long newest = ids.get(ids.size() - 1);
    TreeSet<Long> kept = new TreeSet<>(previous.map(LogSummary::keptBatches).orElse(List.of()));
    List<Long> leftovers = new ArrayList<>(); // removed by an expiry that stopped before it was done
    ManifestTotals totals = previous.map(LogSummary::totals).orElse(ManifestTotals.NONE);
    CommitManifest last = null;
    List<Long> removed = new ArrayList<>();
    for (long id : ids) {
      if (id <= floor) {
        if (!kept.contains(id)) {
          leftovers.add(id);
        }
        continue;
      }
      if (id >= newest || id > keepAfter) {
        break;
      }
      CommitManifest m = log.read(id).orElseThrow(() -> new IllegalStateException("manifest of batch " + id
          + " was listed but cannot be read"));
      if (m.committedAt().isAfter(cutoff)) {
        break;
      }
      totals = m.totals().orElse(totals.plus(m));
      last = m;
      if (!m.dataLoss().isEmpty() || !m.offsetResets().isEmpty()) {
        kept.add(id);
      } else {
        removed.add(id);
      }
    }
    Optional<LogSummary> summary = last == null ? previous : Optional.of(new LogSummary(LogSummary.FORMAT_VERSION,
        last.batchId(), now, last.queryId(), totals, List.copyOf(kept)));
    if (dryRun) {
      return new Result(last == null ? Optional.empty() : summary, removed, List.copyOf(kept));
    }
    if (last != null) {
      log.writeSummary(summary.get());
    }
    removed.addAll(0, leftovers);
    for (long id : removed) {
      log.remove(id);
    }
    LOG.info("expired {} manifest(s) through batch {}", removed.size(),
        summary.map(LogSummary::throughBatchId).orElse(-1L));
    return new Result(last == null ? Optional.empty() : summary, removed, List.copyOf(kept));
  }
}
