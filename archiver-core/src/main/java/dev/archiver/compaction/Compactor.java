package dev.archiver.compaction;

import dev.archiver.CommitConflictException;
import dev.archiver.CommitStateUnknownException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the small files of closed partitions into files of about the target size, one compaction commit per
 * partition. The protocol, which keeps a manifest reader seeing the old files or the new ones, never both, never
 * neither, across a crash at any point:
 * <ol>
 *   <li>plan from the live files ({@link LiveFiles}: batch manifests folded with committed compactions);</li>
 *   <li>write the new files under names no attempt shares; until step 4 they are unlisted orphans, invisible to
 *   manifest readers (a crash here leaves them to vacuum);</li>
 *   <li>check that the new files hold the rows read, by count and {@link Fingerprint} of the Kafka coordinates;</li>
 *   <li>publish a {@link CompactionManifest} under the next free sequence number, atomically, after checking that
 *   no compaction committed since the plan replaced one of its files (two compactions racing: the loser's new
 *   files are deleted, its partition is left as the winner made it);</li>
 *   <li>never delete the replaced files: a reader that listed them just before the commit may still be reading;
 *   {@code vacuum} deletes them once the compaction is older than its grace period.</li>
 * </ol>
 * A running archive job only adds batch manifests and files and never reads old ones, so it cannot conflict with a
 * compaction: a batch that lands in a partition being compacted is simply not replaced.
 */
public final class Compactor {
  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
  private static final int MAX_SEQUENCE_ATTEMPTS = 20;

  /** Reads and writes Parquet; lives beside the file system (archiver-spark). */
  public interface Rewriter {
    /**
     * Writes the rows of {@code inputs} (paths relative to {@code archiveRoot}) into one new file at
     * {@code newPath}, refusing to overwrite; returns the file and the fingerprints of the rows read and of the rows
     * the new file holds, read back from it.
     */
    Rewritten rewrite(String archiveRoot, List<DataFile> inputs, String newPath);

    /** Whether the file is there with the listed length. */
    boolean exists(String archiveRoot, DataFile file);

    /** Deletes a new file this compaction wrote and will not publish; absent files are fine. */
    void delete(String archiveRoot, String path);
  }

  public record Rewritten(DataFile file, Fingerprint read, Fingerprint written) {
  }

  /**
   * @param partitionOlderThan compact only partitions whose time range ended at least this long ago
   * @param targetFileBytes files at least this big are left alone; smaller ones are packed into files up to it
   * @param fileSuffix the end of new file names, after the write id, e.g. {@code .c000.snappy.parquet}
   */
  public record Request(String archiveRoot, Duration partitionOlderThan, long targetFileBytes, String fileSuffix,
      boolean dryRun) {
    public Request {
      if (targetFileBytes <= 0) {
        throw new IllegalArgumentException("targetFileBytes must be positive, got " + targetFileBytes);
      }
    }
  }

  /** One partition's plan: groups of small files, each becoming one new file. */
  public record PartitionPlan(String partition, List<List<DataFile>> groups) {
    public long files() {
      return groups.stream().mapToLong(List::size).sum();
    }
  }

  /**
   * @param plans what was (or, in a dry run, would be) compacted
   * @param committed the compactions published
   * @param notes partitions skipped and why
   */
  public record Result(List<PartitionPlan> plans, List<CompactionManifest> committed, List<String> notes) {
    public Result {
      plans = List.copyOf(plans);
      committed = List.copyOf(committed);
      notes = List.copyOf(notes);
    }
  }

  private final CommitLog batches;
  private final CompactionLog compactions;
  private final Rewriter rewriter;
  private final Supplier<String> writeIds;
  private final Clock clock;

  public Compactor(CommitLog batches, CompactionLog compactions, Rewriter rewriter, Supplier<String> writeIds,
      Clock clock) {
    this.batches = batches;
    this.compactions = compactions;
    this.rewriter = rewriter;
    this.writeIds = writeIds;
    this.clock = clock;
  }

  public Result run(Request request) {
    List<CommitManifest> committedBatches = batches.all();
    List<CompactionManifest> done = compactions.all();
    long afterBatchId = committedBatches.isEmpty() ? -1 : committedBatches.get(committedBatches.size() - 1).batchId();
    // Name the root as the batch manifests do (a qualified Hadoop URI), so readers join paths the same way for both.
    String root = committedBatches.isEmpty() ? request.archiveRoot()
        : committedBatches.get(committedBatches.size() - 1).archiveRoot();
    LiveFiles live = LiveFiles.of(committedBatches, done,
        batches.summary().map(dev.archiver.commit.LogSummary::throughBatchId).orElse(-1L));
    List<PartitionPlan> plans = plan(live, request, clock.instant());
    List<String> notes = new ArrayList<>();
    List<CompactionManifest> committed = new ArrayList<>();
    if (request.dryRun()) {
      return new Result(plans, committed, notes);
    }
    long seen = done.isEmpty() ? -1 : done.get(done.size() - 1).sequence();
    for (PartitionPlan plan : plans) {
      Optional<CompactionManifest> result = compact(plan, request, root, afterBatchId, seen, notes);
      result.ifPresent(committed::add);
    }
    return new Result(plans, committed, notes);
  }

  /**
   * Closed partitions with at least two small live files, packed in path order into groups up to the target. Files
   * of different schemas (before and after a schema change: other columns, {@code _extra} or not) are never put in
   * one group, since one Parquet file has one schema: each schema's files are a plan (and a compaction commit) of
   * their own, so every file of a compaction has the schema of the files it replaced.
   */
  static List<PartitionPlan> plan(LiveFiles live, Request request, java.time.Instant now) {
    // Keyed by partition, then schema fingerprint: plans in partition order.
    Map<String, List<DataFile>> small = new TreeMap<>();
    for (DataFile f : live.live().values()) {
      if (f.bytes() < request.targetFileBytes()) {
        String key = LiveFiles.partitionOf(f.path()) + '\n' + live.schemaOf(f.path());
        small.computeIfAbsent(key, p -> new ArrayList<>()).add(f);
      }
    }
    List<PartitionPlan> plans = new ArrayList<>();
    small.forEach((key, files) -> {
      String partition = key.substring(0, key.indexOf('\n'));
      if (!ClosedPartitions.isClosed(partition, request.partitionOlderThan(), now)) {
        return;
      }
      files.sort(java.util.Comparator.comparing(DataFile::path));
      List<List<DataFile>> groups = new ArrayList<>();
      List<DataFile> group = new ArrayList<>();
      long bytes = 0;
      for (DataFile f : files) {
        if (!group.isEmpty() && bytes + f.bytes() > request.targetFileBytes()) {
          groups.add(group);
          group = new ArrayList<>();
          bytes = 0;
        }
        group.add(f);
        bytes += f.bytes();
      }
      groups.add(group);
      groups.removeIf(g -> g.size() < 2); // one file rewritten alone gains nothing
      if (!groups.isEmpty()) {
        plans.add(new PartitionPlan(partition, groups));
      }
    });
    return plans;
  }

  private Optional<CompactionManifest> compact(PartitionPlan plan, Request request, String root, long afterBatchId,
      long seen, List<String> notes) {
    String writeId = writeIds.get();
    List<DataFile> replaced = new ArrayList<>();
    List<DataFile> written = new ArrayList<>();
    try {
      for (int i = 0; i < plan.groups().size(); i++) {
        List<DataFile> group = plan.groups().get(i);
        String newPath = plan.partition() + "/part-compacted-" + writeId + "-" + String.format("%05d", i)
            + request.fileSuffix();
        Rewritten out = rewriter.rewrite(request.archiveRoot(), group, newPath);
        written.add(out.file());
        checkSameRows(plan.partition(), group, out);
        replaced.addAll(group);
      }
    } catch (RuntimeException e) {
      // Nothing was published: the new files are ours alone and no reader was ever pointed at them.
      written.forEach(f -> rewriter.delete(request.archiveRoot(), f.path()));
      throw e;
    }
    CompactionManifest manifest = CompactionManifest.of(0, clock.instant(), root, afterBatchId,
        List.of(plan.partition()), replaced, written);
    return publish(manifest, seen, request, notes);
  }

  private static void checkSameRows(String partition, List<DataFile> group, Rewritten out) {
    long listed = group.stream().mapToLong(DataFile::rows).sum();
    if (out.read().rows() != listed || !out.read().equals(out.written()) || out.file().rows() != listed) {
      throw new IllegalStateException("compaction of " + partition + " into " + out.file().path() + " does not keep"
          + " the rows: manifests list " + listed + ", read " + out.read() + ", new file holds " + out.written()
          + " (footer says " + out.file().rows() + "); nothing was published");
    }
  }

  /** Commits under the next free sequence number, checking no compaction committed since replaced our inputs. */
  private Optional<CompactionManifest> publish(CompactionManifest manifest, long seen, Request request,
      List<String> notes) {
    Set<String> inputs = new HashSet<>();
    manifest.replaced().forEach(f -> inputs.add(f.path()));
    long last = seen;
    for (int attempt = 0; attempt < MAX_SEQUENCE_ATTEMPTS; attempt++) {
      for (long s : compactions.sequences()) {
        if (s <= last) {
          continue;
        }
        CompactionManifest other = compactions.read(s).orElseThrow();
        if (other.replaced().stream().anyMatch(f -> inputs.contains(f.path()))) {
          manifest.files().forEach(f -> rewriter.delete(request.archiveRoot(), f.path()));
          notes.add("skipped " + manifest.partitions() + ": compaction " + s + " rewrote it meanwhile");
          return Optional.empty();
        }
        last = s;
      }
      // Vacuum deletes unlisted files older than its grace period (over an hour): a compaction slower than that may
      // have lost its new files, and must not publish a manifest that lists nothing there.
      for (DataFile f : manifest.files()) {
        if (!rewriter.exists(request.archiveRoot(), f)) {
          throw new IllegalStateException("compaction of " + manifest.partitions() + ": its new file " + f.path()
              + " is gone or changed before publishing (vacuum ran with a grace period shorter than this"
              + " compaction?); nothing was published; run compact again");
        }
      }
      CompactionManifest next = manifest.withSequence(last + 1);
      try {
        compactions.commit(next);
        LOG.info("compaction {}: {} replaced {} file(s) by {} ({} rows)", next.sequence(), next.partitions(),
            next.replaced().size(), next.files().size(), next.rows());
        return Optional.of(next);
      } catch (CommitConflictException e) {
        LOG.info("compaction sequence {} was taken by another compaction; checking it and trying the next",
            next.sequence());
      } catch (CommitStateUnknownException e) {
        Optional<CompactionManifest> landed = compactions.read(next.sequence());
        if (landed.isPresent() && landed.get().files().equals(next.files())) {
          return landed;
        }
        throw e; // the new files may be committed: leave them
      }
    }
    manifest.files().forEach(f -> rewriter.delete(request.archiveRoot(), f.path()));
    throw new CommitConflictException("compaction of " + manifest.partitions() + " lost the race for a sequence"
        + " number " + MAX_SEQUENCE_ATTEMPTS + " times; nothing was published; run compact again");
  }
}
