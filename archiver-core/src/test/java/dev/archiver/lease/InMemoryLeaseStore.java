package dev.archiver.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** A lease store in memory; {@code atomic} false makes create overwrite, as a PUT on S3 does. */
class InMemoryLeaseStore implements LeaseStore {
  final Map<Long, LeaseClaim> claims = new ConcurrentSkipListMap<>();
  final Map<Long, Long> beats = new ConcurrentHashMap<>();
  final Set<Long> released = ConcurrentHashMap.newKeySet();
  private final boolean atomic;

  InMemoryLeaseStore(boolean atomic) {
    this.atomic = atomic;
  }

  @Override
  public List<Long> epochs() {
    return new ArrayList<>(claims.keySet());
  }

  @Override
  public Optional<LeaseClaim> read(long epoch) {
    return Optional.ofNullable(claims.get(epoch));
  }

  @Override
  public boolean create(LeaseClaim claim) {
    if (atomic) {
      return claims.putIfAbsent(claim.epoch(), claim) == null;
    }
    claims.put(claim.epoch(), claim);
    return true;
  }

  @Override
  public boolean createIsAtomic() {
    return atomic;
  }

  @Override
  public void beat(long epoch, long counter) {
    beats.put(epoch, counter);
  }

  @Override
  public OptionalLong heartbeat(long epoch) {
    Long beat = beats.get(epoch);
    return beat == null ? OptionalLong.empty() : OptionalLong.of(beat);
  }

  @Override
  public void release(long epoch) {
    released.add(epoch);
  }

  @Override
  public boolean released(long epoch) {
    return released.contains(epoch);
  }
}
