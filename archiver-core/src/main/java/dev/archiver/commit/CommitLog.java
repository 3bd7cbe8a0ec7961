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
  /** Ids of committed batches, ascending. */
  List<Long> batchIds();

  Optional<CommitManifest> read(long batchId);

  /** Publishes the manifest, atomically; never overwrites one. */
  void commit(CommitManifest manifest);

  default Optional<CommitManifest> latest() {
    List<Long> ids = batchIds();
    return ids.isEmpty() ? Optional.empty() : read(ids.get(ids.size() - 1));
  }

  /** Every manifest in batch order; reads each once. */
  default List<CommitManifest> all() {
    return batchIds().stream().map(id -> read(id).orElseThrow()).toList();
  }
}
