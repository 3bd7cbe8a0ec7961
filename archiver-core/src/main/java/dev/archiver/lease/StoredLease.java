package dev.archiver.lease;

import dev.archiver.CommitConflictException;
import dev.archiver.RetriableException;
import dev.archiver.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per output, by numbered claims and heartbeats in the output's own storage (no lock service needed).
 *
 * <p><b>Acquire.</b> The writer lists the claims. If the newest is neither released nor silent (its heartbeat changes
 * while the writer watches for up to the lease timeout), another writer is alive: this one is refused before it writes
 * a file. Otherwise it creates the claim of the next epoch. Where the store cannot refuse a second claim atomically
 * (S3), two writers may race for one epoch: each must get from its listing to its claim landing within a race window
 * (else it gives up and is retried), then waits that window and reads the claim back. Every racing claim has landed
 * by then, the last one wins, and only its writer reads back its own id.
 *
 * <p><b>Hold.</b> The writer renews its heartbeat every quarter of the timeout and stops renewing once a higher epoch
 * exists. {@link #check} (before each batch's files and before its manifest) fails for good when a higher epoch exists,
 * and for the moment (retriable) when the last successful renewal is older than half the timeout: a writer that paused
 * or lost its storage holds still well before another writer, which needs a whole timeout of silence, takes over; it
 * goes on once a renewal gets through and no other writer claimed the output meanwhile.
 *
 * <p><b>Release.</b> A clean stop marks the claim released, so the next writer starts without waiting.
 *
 * <p>What no storage-only design closes: on a store without conditional writes, a writer that stalls between its last
 * check and its manifest's PUT for longer than half the timeout can still publish once; the manifest's
 * {@code writerEpoch} shows it. Local disks and HDFS refuse a second manifest of the same batch atomically.
 */
public final class StoredLease implements WriterLease {
  private static final Logger LOG = LoggerFactory.getLogger(StoredLease.class);

  /**
   * @param output the output the lease guards, for messages
   * @param writerId random per driver start
   * @param holder where this writer runs (host and pid), shown to writers it refuses
   */
  public record Settings(String output, Duration timeout, String writerId, String holder) {
  }

  private final LeaseStore store;
  private final Settings settings;
  private final Clock clock;
  private final LongSupplier nanos;
  private final Sleeper sleeper;
  private long epoch = -1;
  private long renewedAt;
  private long counter;
  private String lost;

  public StoredLease(LeaseStore store, Settings settings, Clock clock, LongSupplier nanos, Sleeper sleeper) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.nanos = nanos;
    this.sleeper = sleeper;
  }

  /** Takes the output for this writer, or throws {@link CommitConflictException} naming the writer that holds it. */
  public synchronized void acquire() throws InterruptedException {
    if (epoch >= 0) {
      return;
    }
    Optional<Long> newest = newest(store.epochs());
    if (newest.isPresent() && !store.released(newest.get())) {
      awaitSilence(newest.get());
    }
    long started = nanos.getAsLong();
    if (!newest(store.epochs()).equals(newest)) {
      throw refused("another driver claimed " + settings.output() + " while this one waited for it");
    }
    LeaseClaim claim = new LeaseClaim(newest.orElse(0L) + 1, settings.writerId(), settings.holder(),
        clock.instant());
    if (!store.create(claim)) {
      throw refused("another driver claimed " + settings.output() + " at the same moment (epoch " + claim.epoch()
          + ")");
    }
    Duration window = raceWindow();
    if (!window.isZero()) {
      Duration took = Duration.ofNanos(nanos.getAsLong() - started);
      if (took.compareTo(window) > 0) {
        throw new RetriableException("claiming " + settings.output() + " took " + took.toMillis() + " ms, longer"
            + " than the " + window.toMillis() + " ms in which racing claims are settled; retrying", null);
      }
      // Every racing writer listed before this claim landed and created its own within the window: after it, the
      // claim holds the last writer's id, and only that writer reads its own id back.
      sleeper.sleep(window);
      boolean mine = store.read(claim.epoch()).map(c -> c.writerId().equals(settings.writerId())).orElse(false);
      if (!mine || newest(store.epochs()).orElse(0L) > claim.epoch()) {
        throw refused("another driver claimed " + settings.output() + " at the same moment (epoch "
            + claim.epoch() + ")");
      }
    }
    store.beat(claim.epoch(), 0);
    epoch = claim.epoch();
    renewedAt = nanos.getAsLong();
    LOG.info("this driver writes {} (writer lease epoch {}, timeout {} s)", settings.output(), epoch,
        settings.timeout().toSeconds());
  }

  /**
   * Renews the heartbeat; called every {@link #renewEvery()} while the job runs. Returns why this writer lost the
   * output, once another writer took it over: the job should stop then, even when no batch is due to check.
   */
  public synchronized Optional<String> renew() {
    if (epoch < 0 || lost != null) {
      return Optional.ofNullable(lost);
    }
    Optional<Long> newest = newest(store.epochs());
    if (newest.orElse(0L) > epoch) {
      lost = "another driver took over " + settings.output() + " (writer lease epoch " + newest.get()
          + " after this driver's " + epoch + ")";
      LOG.error("{}: this driver stops writing", lost);
      return Optional.of(lost);
    }
    store.beat(epoch, ++counter);
    renewedAt = nanos.getAsLong();
    return Optional.empty();
  }

  @Override
  public synchronized void check() {
    if (epoch < 0) {
      throw new IllegalStateException("the writer lease of " + settings.output() + " was not acquired");
    }
    if (lost == null && newest(store.epochs()).orElse(0L) > epoch) {
      lost = "another driver took over " + settings.output() + " after this driver's writer lease epoch " + epoch;
    }
    if (lost != null) {
      throw new LeaseLostException(lost + ". Nothing more is published by this driver; its unfinished batch is"
          + " replayed by the driver that holds the output");
    }
    Duration since = Duration.ofNanos(nanos.getAsLong() - renewedAt);
    if (since.compareTo(settings.timeout().dividedBy(2)) > 0) {
      // Not lost yet: once a renewal gets through and no other driver claimed the output, this one goes on.
      throw new RetriableException("this driver could not renew its writer lease on " + settings.output() + " for "
          + since.toSeconds() + " s (storage away or the driver paused), so it writes nothing until it can", null);
    }
  }

  @Override
  public synchronized OptionalLong epoch() {
    return epoch < 0 ? OptionalLong.empty() : OptionalLong.of(epoch);
  }

  /** Marks the claim released on a clean stop, so the next driver starts without waiting out the timeout. */
  public synchronized void release() {
    if (epoch >= 0 && lost == null) {
      store.release(epoch);
      lost = "the writer lease of " + settings.output() + " was released";
    }
  }

  public Duration renewEvery() {
    return settings.timeout().dividedBy(4);
  }

  /**
   * Watches the newest claim's heartbeat for up to the timeout: a change means its writer lives and this one is
   * refused; silence for the whole timeout (or a release) means the claim is free to be superseded.
   */
  private void awaitSilence(long newest) throws InterruptedException {
    OptionalLong first = store.heartbeat(newest);
    long deadline = nanos.getAsLong() + settings.timeout().toNanos();
    Duration poll = settings.timeout().dividedBy(10);
    LOG.info("{} was claimed by another driver (epoch {}); waiting up to {} s for it to show it is alive",
        settings.output(), newest, settings.timeout().toSeconds());
    while (nanos.getAsLong() < deadline) {
      sleeper.sleep(poll);
      if (store.released(newest)) {
        return;
      }
      if (!store.heartbeat(newest).equals(first) || newest(store.epochs()).orElse(0L) > newest) {
        LeaseClaim holder = store.read(newest).orElse(null);
        throw refused(settings.output() + " is being written by another driver" + (holder == null ? ""
            : " (" + holder.holder() + ", since " + holder.claimedAt() + ")"));
      }
    }
    if (!store.heartbeat(newest).equals(first)) {
      throw refused(settings.output() + " is being written by another driver, which renewed its claim just now");
    }
    LOG.info("the driver of epoch {} stopped renewing its claim on {}; taking over", newest, settings.output());
  }

  private CommitConflictException refused(String why) {
    return new CommitConflictException(why + ": one driver writes an output at a time. Stop the other driver or"
        + " choose another output.path; a driver that died frees its output " + settings.timeout().toSeconds()
        + " s (output.lease-timeout) after its last heartbeat");
  }

  /**
   * How long a writer may take from listing the claims to its claim landing, and then waits before reading it back:
   * a quarter of the timeout, between 2 and 5 s. Zero where the store refuses a second claim atomically.
   */
  private Duration raceWindow() {
    if (store.createIsAtomic()) {
      return Duration.ZERO;
    }
    Duration quarter = settings.timeout().dividedBy(4);
    return quarter.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2)
        : quarter.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : quarter;
  }

  private static Optional<Long> newest(List<Long> epochs) {
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }
}
