package dev.archiver.sink;

import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an {@link ArchiveSink} wrote for one batch, not yet committed.
 *
 * @param inputBytes bytes of the record values the batch read, for back-pressure and metrics
 * @param unknownFields fields the schema does not declare, name to records, counted from the written files
 * @param schema the columns of the archive files written
 * @param latePartitions archive partitions holding late rows of this batch (past {@code output.late-after}), with
 *     how many; counted from the committed task attempts only
 * @param lateBefore the late horizon the batch was measured against; empty without {@code output.late-after}
 */
public record WrittenBatch(String archiveRoot, String quarantineRoot, long numArchived, long numQuarantined,
    long inputBytes, List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
    List<String> partitions, Map<String, Long> unknownFields, Optional<ArchiveSchema> schema,
    Map<String, Long> latePartitions, Optional<Instant> lateBefore) {
  public WrittenBatch {
    files = List.copyOf(files);
    quarantineFiles = List.copyOf(quarantineFiles);
    partitions = List.copyOf(partitions);
    unknownFields = unknownFields == null ? Map.of() : Map.copyOf(unknownFields);
    schema = schema == null ? Optional.empty() : schema;
    latePartitions = latePartitions == null ? Map.of() : Map.copyOf(latePartitions);
    lateBefore = lateBefore == null ? Optional.empty() : lateBefore;
    if (!latePartitions.isEmpty() && lateBefore.isEmpty()) {
      throw new IllegalArgumentException("late partitions " + latePartitions.keySet() + " without the horizon");
    }
  }

  /** A batch whose sink neither counts unknown fields, records its schema nor counts late rows. */
  public WrittenBatch(String archiveRoot, String quarantineRoot, long numArchived, long numQuarantined,
      long inputBytes, List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
      List<String> partitions) {
    this(archiveRoot, quarantineRoot, numArchived, numQuarantined, inputBytes, files, quarantineFiles, eventTime,
        partitions, Map.of(), Optional.empty(), Map.of(), Optional.empty());
  }
}
