package dev.archiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.CommitConflictException;
import dev.archiver.backpressure.FixedPolicy;
import dev.archiver.lease.LeaseLostException;
import dev.archiver.lease.WriterLease;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.testing.InMemoryCommitLog;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchCommitterTest {
  private final InMemoryCommitLog log = new InMemoryCommitLog();
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T07:00:00Z"), ZoneOffset.UTC);
  private final AtomicInteger writes = new AtomicInteger();

  /** A sink that "writes" one file per batch holding the batch's records minus one quarantined. */
  private final ArchiveSink<Long> sink = (context, records) -> {
    writes.incrementAndGet();
    return new WrittenBatch("file:/a", "file:/a/_quarantine", records - 1, 1, records * 100,
        List.of(new DataFile("event_date=2026-11-25/part-" + context.batchId(), records - 1, 10)),
        List.of(new DataFile("part-" + context.batchId(), 1, 5)), Optional.empty(),
        List.of("event_date=2026-11-25"));
  };

  private static BatchContext context(long batchId, String query) {
    return new BatchContext(batchId, query, List.of(new OffsetRange("t", 0, batchId * 10, batchId * 10 + 10)),
        new FixedPolicy(10).initial());
  }

  @Test
  void writesThenPublishesTheManifestThenTellsListeners() {
    List<Boolean> committedWhenTold = new ArrayList<>();
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log,
        List.of(m -> committedWhenTold.add(log.read(m.batchId()).isPresent())), clock, WriterLease.NONE);
    CommitManifest m = committer.commit(context(0, "q"), 10L);
    assertThat(log.read(0)).contains(m);
    assertThat(m.numRecords()).isEqualTo(10);
    assertThat(m.numArchived()).isEqualTo(9);
    assertThat(m.committedAt()).isEqualTo(clock.instant());
    assertThat(m.intake()).containsEntry("policy", "fixed");
    assertThat(committedWhenTold).as("listener runs after the manifest is durable").containsExactly(true);
  }

  @Test
  void eachManifestCarriesTheRunningTotalsThroughIt() {
    log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 10, 2)); // an older archiver's: no totals
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(), clock, WriterLease.NONE);
    CommitManifest first = committer.commit(context(1, "q"), 10L);
    CommitManifest second = new BatchCommitter<>(sink, log, List.of(), clock, WriterLease.NONE)
        .commit(context(2, "q"), 5L); // a restarted driver: from the stored manifest
    CommitManifest third = committer.commit(context(3, "q"), 7L);
    assertThat(first.totals()).contains(ManifestTotals.NONE.plus(log.read(0).orElseThrow()).plus(first));
    assertThat(second.totals().orElseThrow().records()).isEqualTo(10 + 10 + 5);
    assertThat(third.totals().orElseThrow().batches()).isEqualTo(4);
    assertThat(third.totals().orElseThrow().records()).isEqualTo(10 + 10 + 5 + 7);
    assertThat(log.read(3).orElseThrow().totals()).as("stored").isEqualTo(third.totals());
  }

  @Test
  void publishesTheLatePartitionsTheSinkCountedAndRefusesMoreLateRowsThanArchived() {
    ArchiveSink<Long> late = (context, records) -> new WrittenBatch("file:/a", "file:/q", records, 0, 0,
        List.of(new DataFile("event_date=2026-11-20/f", records, 10)), List.of(), Optional.empty(),
        List.of("event_date=2026-11-20"), Map.of(), Optional.empty(), Map.of("event_date=2026-11-20", records),
        Optional.of(Instant.parse("2026-11-23T07:00:00Z")));
    CommitManifest m = new BatchCommitter<>(late, log, List.of(), clock, WriterLease.NONE).commit(context(0, "q"), 4L);
    assertThat(m.latePartitions()).containsExactly(Map.entry("event_date=2026-11-20", 4L));
    assertThat(log.read(0).orElseThrow().latePartitions()).as("stored").containsEntry("event_date=2026-11-20", 4L);
    assertThat(m.lateBefore()).contains(Instant.parse("2026-11-23T07:00:00Z"));

    ArchiveSink<Long> overcounted = (context, records) -> new WrittenBatch("file:/a", "file:/q", records, 0, 0,
        List.of(new DataFile("event_date=2026-11-20/f", records, 10)), List.of(), Optional.empty(),
        List.of("event_date=2026-11-20"), Map.of(), Optional.empty(), Map.of("event_date=2026-11-20", records + 1),
        Optional.of(Instant.parse("2026-11-23T07:00:00Z")));
    assertThatThrownBy(() -> new BatchCommitter<>(overcounted, log, List.of(), clock, WriterLease.NONE)
        .commit(context(1, "q"), 4L)).isInstanceOf(IllegalStateException.class).hasMessageContaining("5 late rows");
    assertThat(log.read(1)).as("nothing published").isEmpty();
  }

  @Test
  void skipsABatchItAlreadyCommittedAndAnnouncesItAgain() {
    List<Long> told = new ArrayList<>();
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(m -> told.add(m.batchId())), clock,
        WriterLease.NONE);
    CommitManifest first = committer.commit(context(3, "q"), 10L);
    CommitManifest replay = committer.commit(context(3, "q"), 10L);
    assertThat(replay).isEqualTo(first);
    assertThat(writes).as("a replayed batch is not written twice").hasValue(1);
    assertThat(told).containsExactly(3L, 3L);
  }

  @Test
  void refusesABatchIdCommittedByAnotherQuery() {
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(), clock, WriterLease.NONE);
    committer.commit(context(0, "old-query"), 10L);
    assertThatThrownBy(() -> committer.commit(context(0, "new-query"), 10L))
        .isInstanceOf(CommitConflictException.class).hasMessageContaining("already committed by query old-query")
        .hasMessageContaining("choose a new output.path");
    assertThat(writes).hasValue(1);
  }

  @Test
  void aFailingListenerNeverFailsTheCommit() {
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(m -> {
      throw new IllegalStateException("airflow is down");
    }), clock, WriterLease.NONE);
    committer.commit(context(0, "q"), 10L);
    assertThat(log.batchIds()).containsExactly(0L);
  }

  @Test
  void refusesToCommitWhenFilesDoNotHoldTheCountedRecords() {
    ArchiveSink<Long> lying = (context, records) -> new WrittenBatch("file:/a", "file:/q", records, 0, 0,
        List.of(new DataFile("f", records - 2, 1)), List.of(), Optional.empty(), List.of());
    BatchCommitter<Long> committer = new BatchCommitter<>(lying, log, List.of(), clock, WriterLease.NONE);
    assertThatThrownBy(() -> committer.commit(context(0, "q"), 10L)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not committing");
    assertThat(log.batchIds()).isEmpty();
  }

  @Test
  void refusesToCommitWhenQuarantineFilesDoNotHoldTheQuarantinedRecords() {
    ArchiveSink<Long> lostQuarantine = (context, records) -> new WrittenBatch("file:/a", "file:/q", records - 3, 3,
        0, List.of(new DataFile("f", records - 3, 1)), List.of(new DataFile("q1", 1, 1)), Optional.empty(),
        List.of());
    BatchCommitter<Long> committer = new BatchCommitter<>(lostQuarantine, log, List.of(), clock, WriterLease.NONE);
    assertThatThrownBy(() -> committer.commit(context(0, "q"), 10L)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("counted 3 quarantined records but its quarantine files hold 1");
    assertThat(log.batchIds()).isEmpty();
  }

  @Test
  void aReplayWhoseOffsetsDifferFromTheManifestStopsAndSaysWhatDiffers() {
    List<Long> told = new ArrayList<>();
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(m -> told.add(m.batchId())), clock,
        WriterLease.NONE);
    committer.commit(context(2, "q"), 10L);
    BatchContext restored = new BatchContext(2, "q", List.of(new OffsetRange("t", 0, 15, 30),
        new OffsetRange("t", 1, 0, 4)), new FixedPolicy(10).initial());
    assertThatThrownBy(() -> committer.commit(restored, 10L)).isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("batch 2 is committed with other offsets")
        .hasMessageContaining("t-0: manifest [20, 30), checkpoint [15, 30)")
        .hasMessageContaining("t-1: manifest none, checkpoint [0, 4)")
        .hasMessageContaining("Restore the checkpoint");
    assertThat(writes).as("nothing rewritten").hasValue(1);
    assertThat(told).as("the conflicting replay is not announced").containsExactly(2L);
  }

  @Test
  void aWriterThatLostItsLeaseWritesNoFileAndPublishesNoManifest() {
    FlippableLease lease = new FlippableLease();
    BatchCommitter<Long> committer = new BatchCommitter<>(sink, log, List.of(), clock, lease);
    CommitManifest first = committer.commit(context(0, "q"), 10L);
    assertThat(first.writerEpoch()).as("the manifest names the writer's lease epoch").contains(7L);

    lease.lost = true;
    assertThatThrownBy(() -> committer.commit(context(1, "q"), 10L)).isInstanceOf(LeaseLostException.class);
    assertThat(writes).as("no file written").hasValue(1);

    // Lost between the write and the publish: the files stay unlisted orphans, no manifest.
    lease.lost = false;
    lease.loseAfterChecks = 1;
    assertThatThrownBy(() -> committer.commit(context(1, "q"), 10L)).isInstanceOf(LeaseLostException.class);
    assertThat(writes).hasValue(2);
    assertThat(log.batchIds()).containsExactly(0L);
  }

  /** A lease the test takes away, at once or after some checks. */
  private static final class FlippableLease implements WriterLease {
    boolean lost;
    int loseAfterChecks = -1;

    @Override
    public void check() {
      if (loseAfterChecks == 0) {
        lost = true;
      }
      loseAfterChecks--;
      if (lost) {
        throw new LeaseLostException("another driver took over");
      }
    }

    @Override
    public java.util.OptionalLong epoch() {
      return java.util.OptionalLong.of(7);
    }
  }
}
