package dev.archiver.metrics;

import dev.archiver.commit.CommitManifest;
import dev.archiver.listener.CommitListener;

/**
 * A listener that also wants each batch's metrics (what {@link MetricsReporter} exports), e.g. {@code run}'s live
 * progress on a terminal. Passed among the run's listeners: the engine hands every listener that is one the metrics
 * of each batch after its commit, on the streaming thread, so it must return quickly; a failure is logged, never
 * fails the stream.
 */
public interface BatchObserver extends CommitListener {
  void onBatch(BatchMetrics metrics);

  /** The metrics say all a progress display needs; the manifest is not needed again. */
  @Override
  default void onCommitted(CommitManifest manifest) {
  }
}
