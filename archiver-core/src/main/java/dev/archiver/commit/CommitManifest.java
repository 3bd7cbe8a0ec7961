package dev.archiver.commit;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The durable record of one committed batch, stored as {@code <output>/_archiver/manifests/<batchId:20 digits>.json}.
 * A batch is committed exactly when its manifest exists; readers other than Spark read the files it lists and
 * nothing else, so files of failed attempts are never seen. See README "Commit manifests".
 *
 * @param numRecords Kafka records read by the batch: {@code numArchived + numQuarantined}
 * @param files archive files, paths relative to {@code archiveRoot}
 * @param quarantineFiles quarantine files, paths relative to {@code quarantineRoot}
 * @param partitions archive partitions the batch wrote to, e.g. {@code event_date=2026-11-25}
 * @param intake the back-pressure decision that sized the batch: {@code maxRecordsPerBatch} and {@code reason}
 * @param dataLoss offset ranges of this batch that Kafka had deleted (retention, or a deletion while the batch was
 *     retried) before they could be read; only with {@code source.fail-on-data-loss: false}, else the job fails
 * @param offsetResets partitions whose offsets went backwards before this batch (the topic was recreated or
 *     truncated); only with {@code source.fail-on-data-loss: false}, else the job fails
 * @param writerEpoch the writer lease epoch of the driver that published the manifest (one driver per output)
 * @param unknownFields the top-level fields the batch's archived records had that the schema does not declare,
 *     name to number of records (kept in {@code _extra}, or quarantined with {@code schema.unknown-fields:
 *     quarantine}); counted from the committed files, so exact whatever tasks were retried. Omitted when none
 * @param schema the columns the batch's archive files have; absent in manifests of archivers before it was recorded
 * @param latePartitions with {@code output.late-after}: each archive partition this batch wrote late events to (event
 *     time older than the batch's time minus the horizon) and how many, sorted by partition; counted by the task
 *     attempts that committed, so retries and speculative copies never count twice. Omitted when empty
 * @param lateBefore with {@code output.late-after}: the horizon, the batch's time minus it; events before it were
 *     late. Every archived event outside the late partitions is at or after it, which lets a reader narrow the batch's
 *     event-time window to {@code [max(eventTime.min, lateBefore), eventTime.max]} plus the late partitions' windows
 * @param totals the archive's running totals through this batch ({@link ManifestTotals}); absent in manifests of
 *     archivers before they were recorded
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt,
    String archiveRoot, String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived,
    long numQuarantined, List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
    List<String> partitions, Map<String, String> intake,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<OffsetRange> dataLoss,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<OffsetReset> offsetResets, Optional<Long> writerEpoch,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> unknownFields, Optional<ArchiveSchema> schema,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> latePartitions, Optional<Instant> lateBefore,
    Optional<ManifestTotals> totals) {

  /** The newest format this archiver writes and reads; readers read versions up to theirs and refuse newer ones. */
  public static final int FORMAT_VERSION = 1;
  /**
   * The fields every format-1 manifest has, as {@code manifest-schema/batch-manifest.schema.json} requires them;
   * the others were added within the version or are left out when empty, so readers take them as optional.
   */
  public static final List<String> REQUIRED_FIELDS = List.of("formatVersion", "batchId", "queryId", "committedAt",
      "archiveRoot", "quarantineRoot", "offsets", "numRecords", "numArchived", "numQuarantined", "files",
      "quarantineFiles", "partitions", "intake");

  public CommitManifest {
    offsets = List.copyOf(offsets);
    files = List.copyOf(files);
    quarantineFiles = List.copyOf(quarantineFiles);
    partitions = List.copyOf(partitions);
    intake = Map.copyOf(intake);
    dataLoss = dataLoss == null ? List.of() : List.copyOf(dataLoss);
    offsetResets = offsetResets == null ? List.of() : List.copyOf(offsetResets);
    writerEpoch = writerEpoch == null ? Optional.empty() : writerEpoch;
    // Sorted by name, so the manifest reads the same whatever order the batch met the fields in.
    unknownFields = unknownFields == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(unknownFields));
    schema = schema == null ? Optional.empty() : schema;
    // Sorted, so the JSON lists partitions in order; absent in manifests written before the field existed.
    latePartitions = latePartitions == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(latePartitions));
    lateBefore = lateBefore == null ? Optional.empty() : lateBefore;
    totals = totals == null ? Optional.empty() : totals;
    if (!latePartitions.isEmpty() && lateBefore.isEmpty()) {
      throw new IllegalArgumentException("manifest of batch " + batchId + ": latePartitions without lateBefore, the"
          + " horizon they were measured against");
    }
    latePartitions.forEach((partition, rows) -> {
      if (rows == null || rows <= 0) {
        throw new IllegalArgumentException("manifest of batch " + batchId + ": late partition " + partition
            + " has " + rows + " rows; list only partitions with late rows");
      }
    });
    if (numRecords != numArchived + numQuarantined) {
      throw new IllegalArgumentException("manifest of batch " + batchId + ": numRecords " + numRecords
          + " != numArchived " + numArchived + " + numQuarantined " + numQuarantined);
    }
  }

  /** A manifest without running totals. */
  public CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt, String archiveRoot,
      String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived, long numQuarantined,
      List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions, Map<String, String> intake, List<OffsetRange> dataLoss,
      List<OffsetReset> offsetResets, Optional<Long> writerEpoch, Map<String, Long> unknownFields,
      Optional<ArchiveSchema> schema, Map<String, Long> latePartitions, Optional<Instant> lateBefore) {
    this(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets, numRecords, numArchived,
        numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss, offsetResets, writerEpoch,
        unknownFields, schema, latePartitions, lateBefore, Optional.empty());
  }

  /** A manifest without unknown fields, a recorded schema or late partitions. */
  public CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt, String archiveRoot,
      String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived, long numQuarantined,
      List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions, Map<String, String> intake, List<OffsetRange> dataLoss,
      List<OffsetReset> offsetResets, Optional<Long> writerEpoch) {
    this(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets, numRecords, numArchived,
        numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss, offsetResets, writerEpoch,
        Map.of(), Optional.empty(), Map.of(), Optional.empty(), Optional.empty());
  }

  /** A manifest without offset resets and without a writer lease. */
  public CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt, String archiveRoot,
      String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived, long numQuarantined,
      List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions, Map<String, String> intake, List<OffsetRange> dataLoss) {
    this(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets, numRecords, numArchived,
        numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss, List.of(), Optional.empty(),
        Map.of(), Optional.empty(), Map.of(), Optional.empty(), Optional.empty());
  }

  /** This manifest carrying the archive's running totals through it. */
  public CommitManifest withTotals(ManifestTotals runningTotals) {
    return new CommitManifest(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets,
        numRecords, numArchived, numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss,
        offsetResets, writerEpoch, unknownFields, schema, latePartitions, lateBefore, Optional.of(runningTotals));
  }

  /** The manifest's file name: the batch id zero-padded to 20 digits, so names sort in batch order. */
  public static String fileName(long batchId) {
    return ArchiveLayout.numberedName(batchId);
  }

  /** Records Kafka deleted before this batch read them, plus offsets skipped after a reset. */
  public long lostRecords() {
    return dataLoss.stream().mapToLong(OffsetRange::size).sum()
        + offsetResets.stream().mapToLong(OffsetReset::skipped).sum();
  }

  /** Archived rows whose event time was past the late horizon when this batch ran. */
  public long lateRows() {
    return latePartitions.values().stream().mapToLong(Long::longValue).sum();
  }

  public long archivedBytes() {
    return files.stream().mapToLong(DataFile::bytes).sum();
  }
}
