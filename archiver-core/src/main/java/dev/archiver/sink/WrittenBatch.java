package dev.archiver.sink;

import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import java.util.List;
import java.util.Optional;

/**
 * What an {@link ArchiveSink} wrote for one batch, not yet committed.
 *
 * @param inputBytes bytes of the record values the batch read, for back-pressure and metrics
 */
public record WrittenBatch(String archiveRoot, String quarantineRoot, long numArchived, long numQuarantined,
    long inputBytes, List<DataFile> files, List<DataFile> quarantineFiles, Optional<EventTimeRange> eventTime,
    List<String> partitions) {
  public WrittenBatch {
    files = List.copyOf(files);
    quarantineFiles = List.copyOf(quarantineFiles);
    partitions = List.copyOf(partitions);
  }
}
