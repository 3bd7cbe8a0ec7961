package dev.archiver.commit;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Running totals of an archive through one batch, inclusive: what {@code status} prints, carried in each manifest
 * ({@code totals}) so that a reader needs the newest manifest only, however long the log (README "The log's
 * growth"). Each is the previous batch's totals plus the batch ({@link #plus}); a manifest of an older archiver has
 * none, and readers fold from the newest manifest that has them ({@link RunningTotals}).
 *
 * @param batches committed batches through this one (expired manifests included)
 * @param records Kafka records read: {@code archived + quarantined}
 * @param files archive files the batches wrote (before compactions: a reader adds each compaction's files and takes
 *     out the ones it replaced)
 * @param bytes bytes of those files
 * @param quarantineFiles quarantine files the batches wrote
 * @param lostRecords records lost: deleted by Kafka before they were read, plus offsets skipped after resets
 * @param lateRecords archived rows that were late ({@code output.late-after})
 * @param lateBatches batches with late rows
 * @param latePartitions late rows per archive partition, the {@value #LATE_PARTITIONS_KEPT} with the most (exact
 *     while fewer partitions got late rows; beyond, a partition that drops out and gets late rows again restarts from
 *     its new ones), so a manifest stays small whatever the archive's age; omitted when none
 * @param unknownFields records per top-level field the schema does not declare; omitted when none
 * @param committedOffsets the end offset committed for each topic-partition (exclusive): the newest batch covering it
 * @param dataLossBatches the batches with {@code dataLoss} or {@code offsetResets}, ascending, whose manifests status
 *     reads for the details; omitted when none
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record ManifestTotals(long batches, long records, long archived, long quarantined, long files, long bytes,
    long quarantineFiles, long lostRecords, long lateRecords, long lateBatches,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> latePartitions,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> unknownFields,
    Map<String, Long> committedOffsets,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Long> dataLossBatches) {

  /** How many partitions {@link #latePartitions} keeps: status names the five with the most. */
  public static final int LATE_PARTITIONS_KEPT = 100;

  /** Totals before the first batch. */
  public static final ManifestTotals NONE = new ManifestTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
      Map.of(), List.of());

  public ManifestTotals {
    // Sorted, so manifests read the same whatever order batches met the names in.
    latePartitions = sorted(latePartitions);
    unknownFields = sorted(unknownFields);
    committedOffsets = sorted(committedOffsets);
    dataLossBatches = dataLossBatches == null ? List.of() : List.copyOf(dataLossBatches);
    if (records != archived + quarantined) {
      throw new IllegalArgumentException("totals: records " + records + " != archived " + archived
          + " + quarantined " + quarantined);
    }
  }

  /** These totals with batch {@code m} added: the totals through {@code m}. */
  public ManifestTotals plus(CommitManifest m) {
    Map<String, Long> late = new TreeMap<>(latePartitions);
    m.latePartitions().forEach((p, n) -> late.merge(p, n, Long::sum));
    while (late.size() > LATE_PARTITIONS_KEPT) {
      // The fewest late rows goes; among equals the newest name (dates sort by name), so old ones stay stable.
      late.entrySet().stream().min(Map.Entry.<String, Long>comparingByValue()
          .thenComparing(Map.Entry.<String, Long>comparingByKey().reversed())).ifPresent(e -> late.remove(e.getKey()));
    }
    Map<String, Long> unknown = new TreeMap<>(unknownFields);
    m.unknownFields().forEach((f, n) -> unknown.merge(f, n, Long::sum));
    Map<String, Long> ends = new TreeMap<>(committedOffsets);
    m.offsets().forEach(r -> ends.merge(r.topicPartition(), r.endOffset(), Math::max));
    List<Long> lossy = new ArrayList<>(dataLossBatches);
    if (!m.dataLoss().isEmpty() || !m.offsetResets().isEmpty()) {
      lossy.add(m.batchId());
    }
    return new ManifestTotals(batches + 1, records + m.numRecords(), archived + m.numArchived(),
        quarantined + m.numQuarantined(), files + m.files().size(), bytes + m.archivedBytes(),
        quarantineFiles + m.quarantineFiles().size(), lostRecords + m.lostRecords(), lateRecords + m.lateRows(),
        lateBatches + (m.latePartitions().isEmpty() ? 0 : 1), late, unknown, ends, lossy);
  }

  private static Map<String, Long> sorted(Map<String, Long> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(map));
  }
}
