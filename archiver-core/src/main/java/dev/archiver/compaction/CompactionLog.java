package dev.archiver.compaction;

import java.util.List;
import java.util.Optional;

/**
 * The committed compactions of an archive, one {@link CompactionManifest} each, numbered 0, 1, 2... Implementations
 * live beside their storage.
 *
 * <p>Failure contract, as {@link dev.archiver.commit.CommitLog}'s: {@link #commit} publishes the complete manifest
 * atomically or throws. {@link dev.archiver.CommitConflictException}: that sequence number is taken (another
 * compaction committed first), nothing was changed. {@link dev.archiver.RetriableException}: storage failed before
 * the write. {@link dev.archiver.CommitStateUnknownException}: the outcome was not seen; read it back, and do not
 * delete the compaction's new files.
 */
public interface CompactionLog {
  /** Sequence numbers of committed compactions, ascending. */
  List<Long> sequences();

  Optional<CompactionManifest> read(long sequence);

  /** Publishes the manifest under its sequence number, atomically; never overwrites one. */
  void commit(CompactionManifest manifest);

  /** Every compaction in commit order. */
  default List<CompactionManifest> all() {
    return sequences().stream().map(s -> read(s).orElseThrow()).toList();
  }

  /** An archive that was never compacted (storage without compactions, tests of other parts). */
  static CompactionLog empty() {
    return new CompactionLog() {
      @Override
      public List<Long> sequences() {
        return List.of();
      }

      @Override
      public Optional<CompactionManifest> read(long sequence) {
        return Optional.empty();
      }

      @Override
      public void commit(CompactionManifest manifest) {
        throw new UnsupportedOperationException("this archive's storage cannot record compactions");
      }
    };
  }
}
