package dev.archiver.commit;

import dev.archiver.CommitConflictException;
import dev.archiver.listener.CommitListener;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a batch's files and its manifest one commit, idempotent by batch id: a batch whose manifest exists is
 * skipped (the engine is replaying a batch it committed before a crash), anything else is written and then
 * committed by publishing the manifest. Listeners hear of the batch after the manifest is durable.
 *
 * @param <B> the engine's batch type
 */
public final class BatchCommitter<B> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCommitter.class);

  private final ArchiveSink<B> sink;
  private final CommitLog log;
  private final List<CommitListener> listeners;
  private final Clock clock;

  public BatchCommitter(ArchiveSink<B> sink, CommitLog log, List<CommitListener> listeners, Clock clock) {
    this.sink = sink;
    this.log = log;
    this.listeners = List.copyOf(listeners);
    this.clock = clock;
  }

  /** Commits the batch, or returns the manifest that already committed it. */
  public CommitManifest commit(BatchContext context, B batch) {
    return commit(context, batch, () -> {
    });
  }

  /**
   * {@link #commit(BatchContext, Object)} with a check run after the files are written and before the manifest is
   * published: it throws to abandon this attempt (files stay unlisted), e.g. when what the context says about the
   * batch may no longer hold.
   */
  public CommitManifest commit(BatchContext context, B batch, Runnable beforePublish) {
    Optional<CommitManifest> existing = log.read(context.batchId());
    if (existing.isPresent()) {
      CommitManifest manifest = existing.get();
      if (!manifest.queryId().equals(context.queryId())) {
        throw new CommitConflictException("batch " + context.batchId() + " is already committed by query "
            + manifest.queryId() + " but this is query " + context.queryId() + ": the checkpoint was replaced or"
            + " another job writes to the same output. Restore that checkpoint or choose a new output.path");
      }
      LOG.info("batch {} was committed before a restart; skipping the write", context.batchId());
      notifyListeners(manifest);
      return manifest;
    }
    WrittenBatch written = sink.write(context, batch);
    long listedRows = written.files().stream().mapToLong(DataFile::rows).sum();
    if (listedRows != written.numArchived()) {
      throw new IllegalStateException("batch " + context.batchId() + ": the sink counted " + written.numArchived()
          + " archived records but its files hold " + listedRows + "; not committing");
    }
    beforePublish.run();
    CommitManifest manifest = new CommitManifest(CommitManifest.FORMAT_VERSION, context.batchId(),
        context.queryId(), clock.instant(), written.archiveRoot(), written.quarantineRoot(), context.offsets(),
        written.numArchived() + written.numQuarantined(), written.numArchived(), written.numQuarantined(),
        written.files(), written.quarantineFiles(), written.eventTime(), written.partitions(),
        context.intake().asMap(), context.dataLoss(), context.offsetResets());
    log.commit(manifest);
    // Listeners hear of the durable fact: the manifest as stored, read back.
    manifest = log.read(manifest.batchId()).orElseThrow(() -> new IllegalStateException(
        "batch " + context.batchId() + ": the manifest just committed cannot be read back"));
    LOG.info("committed batch {}: {} archived, {} quarantined, {} files", manifest.batchId(),
        manifest.numArchived(), manifest.numQuarantined(), manifest.files().size());
    notifyListeners(manifest);
    return manifest;
  }

  private void notifyListeners(CommitManifest manifest) {
    for (CommitListener listener : listeners) {
      try {
        listener.onCommitted(manifest);
      } catch (RuntimeException e) {
        LOG.warn("commit listener {} failed on batch {}; the manifest stays the truth: {}",
            listener.getClass().getSimpleName(), manifest.batchId(), e.toString());
      }
    }
  }
}
