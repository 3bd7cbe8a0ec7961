package dev.archiver.lease;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where an output's lease lives: numbered claims, a heartbeat per claim, and a mark for a claim released on a clean
 * stop. Implementations live beside their storage. Reads must see every completed write (S3, HDFS and local disks
 * do); {@link #create} must not overwrite where the storage can refuse atomically, and may where it cannot (S3):
 * {@link StoredLease} then settles a race by reading the claim back.
 *
 * <p>Failure contract: any method may throw {@link dev.archiver.RetriableException} when the storage is away.
 */
public interface LeaseStore {
  /** Epochs of the claims present, ascending. */
  List<Long> epochs();

  Optional<LeaseClaim> read(long epoch);

  /** Stores the claim; false when a claim of that epoch exists already. */
  boolean create(LeaseClaim claim);

  /** Whether {@link #create} refuses an existing claim atomically, so no race needs settling. */
  boolean createIsAtomic();

  /** Replaces the claim's heartbeat with a counter that grows with each renewal. */
  void beat(long epoch, long counter);

  OptionalLong heartbeat(long epoch);

  /** Marks the claim released: the next writer need not wait for its heartbeat to stop. */
  void release(long epoch);

  boolean released(long epoch);
}
