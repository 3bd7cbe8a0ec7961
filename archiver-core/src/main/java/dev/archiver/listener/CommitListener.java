package dev.archiver.listener;

import dev.archiver.commit.CommitManifest;

/**
 * Told about each batch once its manifest is durable. Called on the streaming thread after the commit: it must
 * return quickly (hand work to a queue) and its failures are logged, never fail the stream. A replayed batch may be
 * announced again, so implementations deduplicate by {@link CommitManifest#batchId()}; manifests stay the truth.
 */
@FunctionalInterface
public interface CommitListener {
  void onCommitted(CommitManifest manifest);
}
