package dev.archiver.commit;

import java.util.List;
import java.util.Optional;

/**
 * The set of committed batches, one manifest each. Implementations live beside their storage.
 *
 * <p>Failure contract: {@link #commit} either publishes the complete manifest atomically (a reader sees all of it or
 * nothing) or throws. {@link dev.archiver.CommitConflictException}: a manifest for that batch exists, nothing was
 * changed. {@link dev.archiver.RetriableException}: storage failed before the write, retry.
 * {@link dev.archiver.CommitStateUnknownException}: the write's outcome was not seen; read it back before acting.
 */
public interface CommitLog {
  /** Ids of committed batches, ascending. Lists the whole log: readers that need part of it use the two below. */
  List<Long> batchIds();

  /**
   * Ids of committed batches after {@code afterBatchId} (exclusive), ascending; {@code -1} for all. Manifest names
   * sort by batch id ({@link ArchiveLayout#padded}), so storage that lists from a start key reads only these names;
   * no manifest body is read.
   */
  default List<Long> batchIdsAfter(long afterBatchId) {
    return batchIds().stream().filter(id -> id > afterBatchId).toList();
  }

  /** The newest committed batch's id, without reading any manifest. */
  default Optional<Long> latestBatchId() {
    List<Long> ids = batchIds();
    return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(ids.size() - 1));
  }

  Optional<CommitManifest> read(long batchId);

  /** Publishes the manifest, atomically; never overwrites one. */
  void commit(CommitManifest manifest);

  /** The newest summary of expired manifests ({@code expire-manifests}); empty when none was ever expired. */
  default Optional<LogSummary> summary() {
    return Optional.empty();
  }

  /**
   * Publishes a summary of expired manifests, atomically, before any of them is removed; a summary through the same
   * batch already there is left as it is (a rerun).
   */
  default void writeSummary(LogSummary summary) {
    throw new UnsupportedOperationException("this archive's storage cannot expire manifests");
  }

  /** Removes an expired batch's manifest; only after a summary through it was written. */
  default void remove(long batchId) {
    throw new UnsupportedOperationException("this archive's storage cannot expire manifests");
  }

  /** The newest manifest: one listing of names and one read. */
  default Optional<CommitManifest> latest() {
    return latestBatchId().flatMap(this::read);
  }

  /**
   * Every manifest in batch order; reads each once. Its cost grows with the log's history (README "The log's
   * growth"): status, catch-up and vacuum read only what they need instead.
   */
  default List<CommitManifest> all() {
    return batchIds().stream().map(id -> read(id).orElseThrow()).toList();
  }
}
