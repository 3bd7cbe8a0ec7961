package dev.archiver.lease;

import java.util.OptionalLong;

/**
 * Whether this writer may still write to its output: one writer per output, so that two drivers (with the same
 * checkpoint or with different ones) never write the same batch. The committer checks it before a batch writes any
 * file and again right before it publishes the batch's manifest.
 *
 * <p>Failure contract: {@link #check} returns when this writer holds the output and throws
 * {@link LeaseLostException} (a {@link dev.archiver.CommitConflictException}: retrying does not help) when another
 * writer took it over or this writer could not renew its claim in time; the job then stops without publishing.
 */
public interface WriterLease {
  void check();

  /** The epoch of this writer's claim (recorded in the manifests it publishes); empty without a lease. */
  OptionalLong epoch();

  /** No lease: for tests of other parts and for engines whose storage enforces one writer itself. */
  WriterLease NONE = new WriterLease() {
    @Override
    public void check() {
    }

    @Override
    public OptionalLong epoch() {
      return OptionalLong.empty();
    }
  };
}
