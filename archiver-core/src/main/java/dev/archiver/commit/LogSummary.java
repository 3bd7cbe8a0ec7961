package dev.archiver.commit;

import java.time.Instant;
import java.util.List;

/**
 * What {@code archiver expire-manifests} keeps of the manifests it removed: {@code
 * <output>/_archiver/summary/<throughBatchId:20 digits>.json}. Readers start from the newest summary where the log
 * has no older manifest: its totals are the running totals through {@code throughBatchId}, and every archive file
 * named for a batch up to it ({@code part-<batchId>-...}) is taken as committed by vacuum. See README "The log's
 * growth".
 *
 * @param throughBatchId the newest batch whose manifest was removed; every manifest up to it is gone, except the ones
 *     in {@code keptBatches}
 * @param expiredAt when the manifests were removed
 * @param queryId the streaming query of the newest removed manifest
 * @param totals the running totals through {@code throughBatchId}
 * @param keptBatches batches up to {@code throughBatchId} whose manifests were kept: they record data loss, which
 *     status reports in full
 */
public record LogSummary(int formatVersion, long throughBatchId, Instant expiredAt, String queryId,
    ManifestTotals totals, List<Long> keptBatches) {
  public static final int FORMAT_VERSION = 1;
  public static final List<String> REQUIRED_FIELDS = List.of("formatVersion", "throughBatchId", "expiredAt",
      "queryId", "totals");

  public LogSummary {
    keptBatches = keptBatches == null ? List.of() : List.copyOf(keptBatches);
  }
}
