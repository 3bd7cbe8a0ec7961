package dev.archiver.testing;

import dev.archiver.CommitConflictException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.LogSummary;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link CommitLog} in memory, with the same conflict rule as the real ones. Shared with engine tests. */
public final class InMemoryCommitLog implements CommitLog {
  private final ConcurrentSkipListMap<Long, CommitManifest> manifests = new ConcurrentSkipListMap<>();

  @Override
  public List<Long> batchIds() {
    return List.copyOf(manifests.keySet());
  }

  @Override
  public List<Long> batchIdsAfter(long afterBatchId) {
    return List.copyOf(manifests.tailMap(afterBatchId, false).keySet());
  }

  @Override
  public Optional<Long> latestBatchId() {
    return manifests.isEmpty() ? Optional.empty() : Optional.of(manifests.lastKey());
  }

  private volatile LogSummary summary;

  @Override
  public Optional<LogSummary> summary() {
    return Optional.ofNullable(summary);
  }

  @Override
  public void writeSummary(LogSummary written) {
    if (summary == null || written.throughBatchId() > summary.throughBatchId()) {
      summary = written;
    }
  }

  @Override
  public void remove(long batchId) {
    manifests.remove(batchId);
  }

  @Override
  public Optional<CommitManifest> read(long batchId) {
    return Optional.ofNullable(manifests.get(batchId));
  }

  @Override
  public void commit(CommitManifest manifest) {
    if (manifests.putIfAbsent(manifest.batchId(), manifest) != null) {
      throw new CommitConflictException("batch " + manifest.batchId() + " is committed");
    }
  }
}
