package dev.archiver.testing;

import dev.archiver.CommitConflictException;
import dev.archiver.compaction.CompactionLog;
import dev.archiver.compaction.CompactionManifest;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link CompactionLog} in memory, with the same conflict rule as the real one. Shared with engine tests. */
public final class InMemoryCompactionLog implements CompactionLog {
  private final ConcurrentSkipListMap<Long, CompactionManifest> manifests = new ConcurrentSkipListMap<>();

  @Override
  public List<Long> sequences() {
    return List.copyOf(manifests.keySet());
  }

  @Override
  public Optional<CompactionManifest> read(long sequence) {
    return Optional.ofNullable(manifests.get(sequence));
  }

  @Override
  public void commit(CompactionManifest manifest) {
    if (manifests.putIfAbsent(manifest.sequence(), manifest) != null) {
      throw new CommitConflictException("compaction " + manifest.sequence() + " is committed");
    }
  }
}
