package dev.archiver.testing;

import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds realistic manifests for tests. */
public final class Manifests {
  private Manifests() {
  }

  public static CommitManifest manifest(long batchId, String queryId, long start, long end, long quarantined) {
    long records = end - start;
    return new CommitManifest(CommitManifest.FORMAT_VERSION, batchId, queryId,
        Instant.parse("2026-11-25T06:00:00Z").plusSeconds(batchId), "file:/archive", "file:/archive/_quarantine",
        List.of(new OffsetRange("events", 0, start, end)), records, records - quarantined, quarantined,
        List.of(new DataFile(String.format("event_date=2026-11-25/part-%020d-00000.c000.snappy.parquet", batchId),
            records - quarantined, 1000)),
        quarantined == 0 ? List.of() : List.of(new DataFile(
            String.format("part-%020d-00000-c000.snappy.parquet", batchId), quarantined, 100)),
        Optional.of(new EventTimeRange(Instant.parse("2026-11-25T05:00:00Z"), Instant.parse("2026-11-25T05:59:00Z"))),
        List.of("event_date=2026-11-25"), Map.of("maxRecordsPerBatch", "1000", "policy", "fixed", "reason", "test"),
        List.of(), List.of(), Optional.of(1L));
  }

  /** A manifest of one batch whose files lie under the given roots, paths relative to them. */
  public static CommitManifest listing(long batchId, String archiveRoot, String quarantineRoot, List<String> files,
      List<String> quarantineFiles) {
    return new CommitManifest(CommitManifest.FORMAT_VERSION, batchId, "q",
        Instant.parse("2026-11-25T06:00:00Z").plusSeconds(batchId), archiveRoot, quarantineRoot,
        List.of(new OffsetRange("events", 0, batchId * 10, batchId * 10 + 10)), 10, 10 - quarantineFiles.size(),
        quarantineFiles.size(), files.stream().map(f -> new DataFile(f, 1, 100)).toList(),
        quarantineFiles.stream().map(f -> new DataFile(f, 1, 100)).toList(), Optional.empty(), List.of(),
        Map.of("maxRecordsPerBatch", "10", "policy", "fixed", "reason", "test"), List.of());
  }

  /** The same manifest with partitions whose offsets went backwards before the batch. */
  public static CommitManifest withResets(CommitManifest m, List<OffsetReset> resets) {
    return new CommitManifest(m.formatVersion(), m.batchId(), m.queryId(), m.committedAt(), m.archiveRoot(),
        m.quarantineRoot(), m.offsets(), m.numRecords(), m.numArchived(), m.numQuarantined(), m.files(),
        m.quarantineFiles(), m.eventTime(), m.partitions(), m.intake(), m.dataLoss(), resets, m.writerEpoch(),
        m.unknownFields(), m.schema(), m.latePartitions(), m.lateBefore());
  }

  /** The same manifest with offset ranges Kafka deleted before the batch read them. */
  public static CommitManifest withDataLoss(CommitManifest m, List<OffsetRange> lost) {
    return new CommitManifest(m.formatVersion(), m.batchId(), m.queryId(), m.committedAt(), m.archiveRoot(),
        m.quarantineRoot(), m.offsets(), m.numRecords(), m.numArchived(), m.numQuarantined(), m.files(),
        m.quarantineFiles(), m.eventTime(), m.partitions(), m.intake(), lost, m.offsetResets(), m.writerEpoch(),
        m.unknownFields(), m.schema(), m.latePartitions(), m.lateBefore());
  }

  /** The same manifest with late rows in the given partitions (partition to rows). */
  public static CommitManifest withLate(CommitManifest m, Map<String, Long> late) {
    return withLate(m, late, Instant.parse("2026-11-23T06:00:00Z"));
  }

  /** The same manifest with late rows in the given partitions, measured against the given horizon. */
  public static CommitManifest withLate(CommitManifest m, Map<String, Long> late, Instant lateBefore) {
    return new CommitManifest(m.formatVersion(), m.batchId(), m.queryId(), m.committedAt(), m.archiveRoot(),
        m.quarantineRoot(), m.offsets(), m.numRecords(), m.numArchived(), m.numQuarantined(), m.files(),
        m.quarantineFiles(), m.eventTime(), m.partitions(), m.intake(), m.dataLoss(), m.offsetResets(),
        m.writerEpoch(), m.unknownFields(), m.schema(), late, Optional.of(lateBefore));
  }

  /** The same manifest with unknown-field counts and the schema its files were written with. */
  public static CommitManifest withSchema(CommitManifest m, Map<String, Long> unknownFields,
      Optional<ArchiveSchema> schema) {
    return new CommitManifest(m.formatVersion(), m.batchId(), m.queryId(), m.committedAt(), m.archiveRoot(),
        m.quarantineRoot(), m.offsets(), m.numRecords(), m.numArchived(), m.numQuarantined(), m.files(),
        m.quarantineFiles(), m.eventTime(), m.partitions(), m.intake(), m.dataLoss(), m.offsetResets(),
        m.writerEpoch(), unknownFields, schema, m.latePartitions(), m.lateBefore());
  }
}
