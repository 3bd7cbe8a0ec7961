package dev.archiver.commit;

import dev.archiver.CommitConflictException;
import dev.archiver.lease.WriterLease;
import dev.archiver.listener.CommitListener;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a batch's files and its manifest one commit, idempotent by batch id: a batch whose manifest exists is
 * skipped (the engine is replaying a batch it committed before a crash), anything else is written and then
 * committed by publishing the manifest. Listeners hear of the batch after the manifest is durable. The writer lease is
 * checked before the batch writes a file and again before its manifest is published.
 *
 * @param <B> the engine's batch type
 */
public final class BatchCommitter<B> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCommitter.class);

  private final ArchiveSink<B> sink;
  private final CommitLog log;
  private final List<CommitListener> listeners;
  private final Clock clock;
  private final WriterLease lease;
  /** The last manifest this committer published or met, with its totals: the next batch's starting point. */
  private volatile CommitManifest lastCommitted;

  public BatchCommitter(ArchiveSink<B> sink, CommitLog log, List<CommitListener> listeners, Clock clock,
      WriterLease lease) {
    this.sink = sink;
    this.log = log;
    this.listeners = List.copyOf(listeners);
    this.clock = clock;
    this.lease = lease;
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
      checkSameOffsets(manifest, context);
      LOG.info("batch {} was committed before a restart; skipping the write", context.batchId());
      lastCommitted = manifest;
      notifyListeners(manifest);
      return manifest;
    }
    // One writer per output: a driver that lost the output writes no file and publishes no manifest.
    lease.check();
    WrittenBatch written = sink.write(context, batch);
    long listedRows = written.files().stream().mapToLong(DataFile::rows).sum();
    if (listedRows != written.numArchived()) {
      throw new IllegalStateException("batch " + context.batchId() + ": the sink counted " + written.numArchived()
          + " archived records but its files hold " + listedRows + "; not committing");
    }
    long quarantinedRows = written.quarantineFiles().stream().mapToLong(DataFile::rows).sum();
    if (quarantinedRows != written.numQuarantined()) {
      throw new IllegalStateException("batch " + context.batchId() + ": the sink counted " + written.numQuarantined()
          + " quarantined records but its quarantine files hold " + quarantinedRows + "; not committing");
    }
    long lateRows = written.latePartitions().values().stream().mapToLong(Long::longValue).sum();
    if (lateRows > written.numArchived()) {
      throw new IllegalStateException("batch " + context.batchId() + ": the sink counted " + lateRows + " late rows"
          + " but only " + written.numArchived() + " archived; not committing");
    }
    beforePublish.run();
    OptionalLong epoch = lease.epoch();
    CommitManifest manifest = new CommitManifest(CommitManifest.FORMAT_VERSION, context.batchId(),
        context.queryId(), clock.instant(), written.archiveRoot(), written.quarantineRoot(), context.offsets(),
        written.numArchived() + written.numQuarantined(), written.numArchived(), written.numQuarantined(),
        written.files(), written.quarantineFiles(), written.eventTime(), written.partitions(),
        context.intake().asMap(), context.dataLoss(), context.offsetResets(),
        epoch.isPresent() ? Optional.of(epoch.getAsLong()) : Optional.empty(), written.unknownFields(),
        written.schema(), written.latePartitions(), written.lateBefore());
    manifest = manifest.withTotals(totalsBefore(context.batchId()).plus(manifest));
    lease.check();
    log.commit(manifest);
    // Listeners hear of the durable fact: the manifest as stored, read back.
    manifest = log.read(manifest.batchId()).orElseThrow(() -> new IllegalStateException(
        "batch " + context.batchId() + ": the manifest just committed cannot be read back"));
    LOG.info("committed batch {}: {} archived ({} late, in {} partitions), {} quarantined, {} files",
        manifest.batchId(), manifest.numArchived(), manifest.lateRows(), manifest.latePartitions().size(),
        manifest.numQuarantined(), manifest.files().size());
    lastCommitted = manifest;
    notifyListeners(manifest);
    return manifest;
  }

  /** Running totals through the batch before this one: kept from the last commit, else read from the log. */
  private ManifestTotals totalsBefore(long batchId) {
    CommitManifest last = lastCommitted;
    if (last != null && last.batchId() == batchId - 1 && last.totals().isPresent()) {
      return last.totals().get();
    }
    return RunningTotals.before(log, batchId);
  }

  /**
   * A batch is skipped on replay only when the engine replays exactly what the manifest committed. Different offsets
   * mean the checkpoint is not the one that wrote the manifests (restored from an older copy, edited, or shared by
   * another job): skipping would leave gaps, writing would overlap, so the job stops and says what differs.
   */
  private static void checkSameOffsets(CommitManifest manifest, BatchContext context) {
    Map<String, OffsetRange> committed = byPartition(manifest.offsets());
    Map<String, OffsetRange> replayed = byPartition(context.offsets());
    if (committed.equals(replayed)) {
      return;
    }
    Set<String> partitions = new TreeSet<>(committed.keySet());
    partitions.addAll(replayed.keySet());
    List<String> differences = new ArrayList<>();
    for (String p : partitions) {
      OffsetRange c = committed.get(p);
      OffsetRange r = replayed.get(p);
      if (!java.util.Objects.equals(c, r)) {
        differences.add(p + ": manifest " + range(c) + ", checkpoint " + range(r));
      }
    }
    throw new CommitConflictException("batch " + context.batchId() + " is committed with other offsets than the"
        + " checkpoint now replays (" + String.join("; ", differences) + "): the checkpoint is not the one that"
        + " wrote this output's manifests (restored from an older copy, edited, or used by another job). Restore"
        + " the checkpoint that wrote them (output.checkpoint), or archive into a new output.path; the manifests"
        + " stay the record of what is archived");
  }

  private static Map<String, OffsetRange> byPartition(List<OffsetRange> ranges) {
    Map<String, OffsetRange> out = new TreeMap<>();
    ranges.forEach(r -> out.put(r.topicPartition(), r));
    return out;
  }

  private static String range(OffsetRange r) {
    return r == null ? "none" : "[" + r.startOffset() + ", " + r.endOffset() + ")";
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
