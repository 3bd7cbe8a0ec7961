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
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt,
    String archiveRoot, String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived,
    long numQuarantined, List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
    List<String> partitions, Map<String, String> intake,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<OffsetRange> dataLoss,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<OffsetReset> offsetResets, Optional<Long> writerEpoch,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> unknownFields, Optional<ArchiveSchema> schema) {

  public static final int FORMAT_VERSION = 1;

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
    if (numRecords != numArchived + numQuarantined) {
      throw new IllegalArgumentException("manifest of batch " + batchId + ": numRecords " + numRecords
          + " != numArchived " + numArchived + " + numQuarantined " + numQuarantined);
    }
  }

  /** A manifest without unknown fields and without a recorded schema. */
  public CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt, String archiveRoot,
      String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived, long numQuarantined,
      List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions, Map<String, String> intake, List<OffsetRange> dataLoss,
      List<OffsetReset> offsetResets, Optional<Long> writerEpoch) {
    this(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets, numRecords, numArchived,
        numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss, offsetResets, writerEpoch,
        Map.of(), Optional.empty());
  }

  /** A manifest without offset resets and without a writer lease. */
  public CommitManifest(int formatVersion, long batchId, String queryId, Instant committedAt, String archiveRoot,
      String quarantineRoot, List<OffsetRange> offsets, long numRecords, long numArchived, long numQuarantined,
      List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions, Map<String, String> intake, List<OffsetRange> dataLoss) {
    this(formatVersion, batchId, queryId, committedAt, archiveRoot, quarantineRoot, offsets, numRecords, numArchived,
        numQuarantined, files, quarantineFiles, eventTime, partitions, intake, dataLoss, List.of(), Optional.empty());
  }

  /** The manifest's file name: the batch id zero-padded to 20 digits, so names sort in batch order. */
  public static String fileName(long batchId) {
    return String.format("%020d.json", batchId);
  }

  /** Records Kafka deleted before this batch read them, plus offsets skipped after a reset. */
  public long lostRecords() {
    return dataLoss.stream().mapToLong(OffsetRange::size).sum()
        + offsetResets.stream().mapToLong(OffsetReset::skipped).sum();
  }

  public long archivedBytes() {
    return files.stream().mapToLong(DataFile::bytes).sum();
  }
}
