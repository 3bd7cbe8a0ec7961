package dev.archiver.vacuum;

import dev.archiver.InvalidInputException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.BatchRetry;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.compaction.CompactionLog;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.StoragePaths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes files of failed attempts: files under the archive and quarantine roots that no committed manifest lists and
 * that are older than a grace period, so that a batch still being written or retried is never touched. What it never
 * deletes, whatever its age:
 * <ul>
 *   <li>a file a manifest lists, compared by canonical location ({@link ArchiveStorage#canonical}: a symbolic link,
 *   {@code s3://} for {@code s3a://} or a trailing slash do not turn committed files into orphans);</li>
 *   <li>anything under an {@code _archiver/} directory (manifests, the default checkpoint, quarantine claims), the
 *   configured checkpoint, and any directory that looks like a Spark checkpoint (a {@code metadata} file beside an
 *   {@code offsets/} directory);</li>
 *   <li>another archive's files: a directory below a root that holds an {@code _archiver/} directory of its own is
 *   another archive (or another job's quarantine root) and is skipped; in a quarantine root several jobs share, every
 *   file the manifests of any job that claimed it ({@link QuarantineClaims}) list is kept;</li>
 *   <li>a file that changed or got committed after the listing: each is looked at again just before it is deleted.</li>
 * </ul>
 * It refuses to run when the listing finds none of the files of the newest manifest, or no manifest at all beside
 * files it would delete: the roots it was given are not where this archive is.
 *
 * <p>Its cost follows the files it finds, not the log's history: a file named {@code part-<batch id>-...} (as every
 * batch's files are) is committed exactly when that batch's manifest or a compaction lists it, so only the manifests
 * of batches whose files were found are read, a page of the listing at a time; a file of a batch whose manifest
 * {@code expire-manifests} removed is kept; a file named otherwise makes it read the whole log once.
 */
public final class Vacuum {
  private static final Logger LOG = LoggerFactory.getLogger(Vacuum.class);
  /** Room for the attempts themselves on top of the retry waits: a batch's files may be written this long. */
  static final Duration ATTEMPTS_MARGIN = Duration.ofHours(1);
  private static final String RESERVED = ArchiveLayout.ARCHIVER_DIR;

  /** One vacuum of one job's roots, as its config names them. */
  public record Request(String archiveRoot, String quarantineRoot, String checkpoint, Duration olderThan,
      Instant now, boolean dryRun) {
  }

  /**
   * What a vacuum found and did.
   *
   * @param orphans files deleted (or, in a dry run, that would be)
   * @param keptYoung unlisted files newer than the grace period, left alone
   * @param committedFiles files the manifests list
   * @param changedSinceListing orphans left alone because they changed or got committed after the listing
   * @param notes roots or directories skipped and why
   */
  public record Result(List<ArchiveStorage.StoredFile> orphans, long keptYoung, long committedFiles,
      long changedSinceListing, List<String> notes, boolean dryRun) {
    public Result {
      orphans = List.copyOf(orphans);
      notes = List.copyOf(notes);
    }

    public long orphanBytes() {
      return orphans.stream().mapToLong(ArchiveStorage.StoredFile::bytes).sum();
    }
  }

  private final ArchiveStorage storage;
  private final Function<String, CommitLog> logs;
  private final Function<String, CompactionLog> compactionLogs;

  /** {@code logs} opens the commit log of an archive root: this one's, and those of jobs sharing its quarantine. */
  public Vacuum(ArchiveStorage storage, Function<String, CommitLog> logs) {
    this(storage, logs, root -> CompactionLog.empty());
  }

  /**
   * With the archive's compactions: a compaction's new files count as listed, and the files it replaced stay listed
   * until it is older than {@code olderThan}, so a reader that listed them just before it committed can finish.
   */
  public Vacuum(ArchiveStorage storage, Function<String, CommitLog> logs,
      Function<String, CompactionLog> compactionLogs) {
    this.storage = storage;
    this.logs = logs;
    this.compactionLogs = compactionLogs;
  }

  /**
   * The shortest {@code --older-than} safe for a job: a batch's files stay uncommitted while the batch is retried
   * ({@code commit.retry.*}: doubling waits, each at most a minute) and while the query is restarted from its
   * checkpoint (as many restarts, doubling waits from the same initial wait, each replaying the batch with its own
   * retries), plus {@link #ATTEMPTS_MARGIN} for the attempts' own run time.
   */
  public static Duration minimumOlderThan(ArchiverConfig.Output output) {
    int retries = output.retries();
    Duration batchRetries = BatchRetry.totalWait(retries, output.retryWait());
    Duration restarts = Duration.ZERO;
    Duration wait = output.retryWait();
    for (int i = 0; i < retries && restarts.compareTo(Duration.ofDays(365)) < 0; i++) {
      restarts = restarts.plus(wait);
      wait = wait.multipliedBy(2);
    }
    return batchRetries.multipliedBy(retries + 1L).plus(restarts).plus(ATTEMPTS_MARGIN);
  }

  public Result run(Request request) {
    Instant cutoff = request.now().minus(request.olderThan());
    Roots roots = new Roots(storage.canonical(request.archiveRoot()), storage.canonical(request.quarantineRoot()),
        storage.canonical(request.checkpoint()));
    List<String> notes = new ArrayList<>();
    Committed committed = new Committed();
    CommitLog own = logs.apply(request.archiveRoot());
    committed.add(own);
    long retired = committed.addCompactions(compactionLogs.apply(request.archiveRoot()), cutoff);
    if (retired > 0) {
      notes.add(retired + " file(s) replaced by compactions committed before " + cutoff + " are no longer listed");
    }
    Newest newest = newest(own, committed);

    boolean quarantineListed = true;
    for (String claimant : QuarantineClaims.claimants(storage, request.quarantineRoot())) {
      if (storage.canonical(claimant).equals(roots.archive())) {
        continue;
      }
      try {
        CommitLog theirs = logs.apply(claimant);
        theirs.latestBatchId(); // readable at all? Its manifests are read batch by batch below
        committed.add(theirs);
      } catch (RuntimeException e) {
        quarantineListed = false;
        notes.add("skipped " + request.quarantineRoot() + ": the archive " + claimant + " shares it, and its manifests"
            + " cannot be read (" + e.getMessage() + "), so which files there are its own is unknown");
        break;
      }
    }

    Scan scan = new Scan(committed, cutoff, newest.expected());
    List<String> listedRoots = quarantineListed && !roots.quarantine().equals(roots.archive())
        ? List.of(request.archiveRoot(), request.quarantineRoot()) : List.of(request.archiveRoot());
    for (String root : listedRoots) {
      list(root, roots, root.equals(request.archiveRoot()), notes, scan::offer);
    }
    scan.flush();
    checkRoots(newest, scan, quarantineListed, request);

    List<ArchiveStorage.StoredFile> orphans = new ArrayList<>();
    long changed = 0;
    if (request.dryRun()) {
      scan.candidates.values().forEach(orphans::add);
    } else {
      committed.refresh(); // a manifest or compaction published since the listing may list a candidate
      for (Map.Entry<String, ArchiveStorage.StoredFile> e : scan.candidates.entrySet()) {
        ArchiveStorage.StoredFile candidate = e.getValue();
        Optional<ArchiveStorage.StoredFile> now = storage.stat(candidate.uri());
        if (committed.lists(List.of(e.getKey())).contains(e.getKey())
            || now.isPresent() && (now.get().modified().isAfter(cutoff) || now.get().bytes() != candidate.bytes())) {
          changed++;
          LOG.info("vacuum: kept {}: it changed or was committed after the listing", candidate.uri());
          continue;
        }
        if (now.isEmpty()) {
          continue;
        }
        storage.delete(candidate.uri());
        orphans.add(candidate);
        LOG.info("vacuum: deleted {} ({} bytes, listed in no manifest)", candidate.uri(), candidate.bytes());
      }
    }
    if (committed.fullReads > 0) {
      LOG.info("vacuum: read every manifest ({} full read(s) of a log): files not named part-<batch id>- were found,"
          + " and only the whole log says whether one of them is committed", committed.fullReads);
    }
    return new Result(orphans, scan.young, scan.committedFiles, changed, notes, request.dryRun());
  }

  private record Roots(String archive, String quarantine, String checkpoint) {
  }

  /** The newest batch that lists files (the roots check), and the canonical locations of its files. */
  private record Newest(Optional<CommitManifest> manifest, Set<String> expected) {
  }

  /** How many files vacuum decides at once: the manifests of their batches are read once per page. */
  static final int PAGE = 1000;

  /**
   * The listing, decided a page at a time: each file is committed (kept), young (kept), or a candidate; only the
   * candidates outlive their page (they are what vacuum deletes or reports).
   */
  private final class Scan {
    private final Committed committed;
    private final Instant cutoff;
    private final Set<String> expected;
    private final Map<String, ArchiveStorage.StoredFile> page = new LinkedHashMap<>();
    final Map<String, ArchiveStorage.StoredFile> candidates = new LinkedHashMap<>();
    long young;
    long committedFiles;
    boolean foundExpected;

    Scan(Committed committed, Instant cutoff, Set<String> expected) {
      this.committed = committed;
      this.cutoff = cutoff;
      this.expected = expected;
    }

    void offer(String key, ArchiveStorage.StoredFile file) {
      if (expected.contains(key)) {
        foundExpected = true;
      }
      page.put(key, file);
      if (page.size() >= PAGE) {
        flush();
      }
    }

    void flush() {
      Set<String> listed = committed.lists(page.keySet());
      page.forEach((key, file) -> {
        if (listed.contains(key)) {
          committedFiles++;
        } else if (file.modified().isAfter(cutoff)) {
          young++;
        } else {
          candidates.put(key, file);
        }
      });
      page.clear();
    }
  }

  /**
   * The files under a root vacuum may consider, by canonical location, to {@code each}: without reserved
   * directories, the checkpoint, other archives' directories, and (from the archive root) the quarantine root,
   * listed on its own. Two passes over the listing, the first keeping directories only, so memory stays flat.
   */
  private void list(String root, Roots roots, boolean isArchive, List<String> notes,
      java.util.function.BiConsumer<String, ArchiveStorage.StoredFile> each) {
    String qualified = storage.qualify(root);
    String canonical = storage.canonical(root);
    Set<String> guarded = guardedDirectories(root, qualified);
    guarded.stream().filter(dir -> !StoragePaths.within(canonical + "/" + dir, roots.quarantine()))
        .forEach(dir -> notes.add("skipped " + qualified + "/" + dir + ": another archive, another job's"
            + " quarantine root or a Spark checkpoint"));
    storage.forEach(root, RESERVED, file -> {
      String relative = relative(file.uri(), qualified);
      String key = canonical + "/" + relative;
      List<String> dirs = List.of(relative.split("/"));
      dirs = dirs.subList(0, dirs.size() - 1);
      if (dirs.contains(RESERVED) || guarded.stream().anyMatch(g -> relative.startsWith(g + "/"))
          || StoragePaths.within(key, roots.checkpoint())
          || isArchive && !roots.quarantine().equals(roots.archive()) && StoragePaths.within(key, roots.quarantine())) {
        return;
      }
      each.accept(key, file);
    });
  }

  /** Directories below the root (relative paths) that belong to something else; see the class comment. */
  private Set<String> guardedDirectories(String root, String qualifiedRoot) {
    Set<String> guarded = new HashSet<>();
    Set<String> withMetadata = new HashSet<>();
    Set<String> withOffsets = new HashSet<>();
    storage.forEach(root, RESERVED, file -> {
      String[] parts = relative(file.uri(), qualifiedRoot).split("/");
      for (int i = 1; i < parts.length - 1; i++) {
        if (parts[i].equals(RESERVED)) {
          guarded.add(String.join("/", List.of(parts).subList(0, i)));
          break;
        }
      }
      String parent = String.join("/", List.of(parts).subList(0, parts.length - 1));
      if (parts[parts.length - 1].equals("metadata")) {
        withMetadata.add(parent);
      }
      if (parts.length >= 2 && parts[parts.length - 2].equals("offsets")) {
        withOffsets.add(String.join("/", List.of(parts).subList(0, parts.length - 2)));
      }
    });
    withMetadata.retainAll(withOffsets);
    withMetadata.stream().filter(d -> !d.isEmpty()).forEach(guarded::add);
    guarded.removeIf(d -> guarded.stream().anyMatch(o -> !o.equals(d) && d.startsWith(o + "/")));
    return guarded;
  }

  /**
   * The newest batch of this archive that lists files still listed (not compacted away), and their locations: read
   * newest first by batch id, without listing the log again.
   */
  private static Newest newest(CommitLog log, Committed committed) {
    Optional<Long> latest = log.latestBatchId();
    if (latest.isEmpty()) {
      return new Newest(Optional.empty(), Set.of());
    }
    CommitManifest first = null;
    long floor = log.summary().map(dev.archiver.commit.LogSummary::throughBatchId).orElse(-1L);
    for (long id = latest.get(); id > floor; id--) {
      Optional<CommitManifest> m = log.read(id);
      if (m.isEmpty()) {
        continue;
      }
      first = first == null ? m.get() : first;
      Set<String> expected = committed.keys(m.get(), true);
      expected.retainAll(committed.lists(expected)); // compacted away: its files may be gone, rightly
      if (!expected.isEmpty()) {
        return new Newest(m, expected);
      }
    }
    return new Newest(Optional.ofNullable(first), Set.of());
  }

  /** Refuses to delete anything when the listing does not look like this archive's. */
  private static void checkRoots(Newest newest, Scan scan, boolean quarantineListed, Request request) {
    if (newest.manifest().isEmpty()) {
      if (!scan.candidates.isEmpty()) {
        throw new InvalidInputException("no committed manifest under " + request.archiveRoot() + "/"
            + ArchiveLayout.MANIFESTS_DIR + ", yet " + scan.candidates.size() + " file(s) there would be deleted: is"
            + " --output the archive's root? Nothing was deleted");
      }
      return;
    }
    if (newest.expected().isEmpty() || scan.foundExpected) {
      return;
    }
    // Exact canonical locations: if two spellings of one place were not recognised as one, stop here rather than
    // take committed files for orphans.
    CommitManifest m = newest.manifest().get();
    throw new InvalidInputException("none of the " + newest.expected().size() + " file(s) batch " + m.batchId()
        + "'s manifest lists (under " + m.archiveRoot() + ") was found under " + request.archiveRoot()
        + (quarantineListed ? " or " + request.quarantineRoot() : "") + ": these are not this archive's roots"
        + " (or its files are gone). Nothing was deleted");
  }

  private static String relative(String uri, String qualifiedRoot) {
    String prefix = qualifiedRoot.endsWith("/") ? qualifiedRoot : qualifiedRoot + "/";
    if (!uri.startsWith(prefix)) {
      throw new IllegalStateException("the storage listed " + uri + " under " + qualifiedRoot);
    }
    return uri.substring(prefix.length());
  }

  /** The batch a file's name says wrote it, or -1 (compactions' files, files of other writers). */
  static long batchOf(String key) {
    return ArchiveLayout.batchOfFile(key.substring(key.lastIndexOf('/') + 1));
  }

  /**
   * Which files the committed manifests and compactions list, by canonical location, decided by each file's name: a
   * file named for batch B ({@code part-<B>-...}) is committed exactly when B's manifest (in any of the logs: this
   * archive's, and those of jobs sharing its quarantine root) or a compaction lists it; a batch up to a log's
   * {@link dev.archiver.commit.LogSummary} (manifests expired) is taken as committed whole. Only the manifests of
   * batches whose files were found are read; a file named otherwise needs the whole log, read once.
   */
  private final class Committed {
    private final List<CommitLog> logs = new ArrayList<>();
    private final Map<CommitLog, Long> expiredThrough = new HashMap<>();
    private final Map<CompactionLog, Long> seenCompactions = new LinkedHashMap<>();
    /** New files of compactions, and the replaced files (retired: no longer listed) of those before the cutoff. */
    private final Set<String> compacted = new HashSet<>();
    private final Set<String> retired = new HashSet<>();
    private final Map<String, String> canonicalRoots = new HashMap<>();
    /** Every file every log lists: only when a file not named by its batch was found. */
    private Set<String> all;
    int fullReads;

    void add(CommitLog log) {
      logs.add(log);
      expiredThrough.put(log, log.summary().map(dev.archiver.commit.LogSummary::throughBatchId).orElse(-1L));
    }

    /**
     * Lists each compaction's new files, and unlists the files it replaced when it committed before {@code cutoff};
     * returns how many were unlisted.
     */
    long addCompactions(CompactionLog log, Instant cutoff) {
      long last = -1;
      for (CompactionManifest c : log.all()) {
        String archive = canonicalRoots.computeIfAbsent(c.archiveRoot(), storage::canonical);
        c.files().forEach(f -> {
          compacted.add(join(archive, f));
          retired.remove(join(archive, f));
        });
        if (!c.committedAt().isAfter(cutoff)) {
          c.replaced().forEach(f -> retired.add(join(archive, f)));
        }
        last = c.sequence();
      }
      seenCompactions.put(log, last);
      return retired.size();
    }

    /** Forgets what was read of the logs and picks up compactions published since: the last look before deleting. */
    void refresh() {
      // A compaction published since the listing lists its new files; the files it replaced stay listed (it is
      // younger than the cutoff).
      seenCompactions.replaceAll((log, last) -> {
        long newest = last;
        for (long s : log.sequences()) {
          if (s > last) {
            log.read(s).ifPresent(c -> {
              String archive = canonicalRoots.computeIfAbsent(c.archiveRoot(), storage::canonical);
              c.files().forEach(f -> compacted.add(join(archive, f)));
            });
            newest = Math.max(newest, s);
          }
        }
        return newest;
      });
      all = null;
    }

    /** The keys among {@code keys} that a committed manifest or compaction lists. */
    Set<String> lists(java.util.Collection<String> keys) {
      Map<Long, List<String>> byBatch = new java.util.TreeMap<>();
      Set<String> out = new HashSet<>();
      for (String key : keys) {
        String data = dataFileOf(key);
        if (compacted.contains(data)) {
          out.add(key);
        } else if (!retired.contains(data)) {
          byBatch.computeIfAbsent(batchOf(data), b -> new ArrayList<>()).add(key);
        }
      }
      byBatch.forEach((batch, batchKeys) -> {
        Set<String> listed = batch < 0 ? all() : batchFiles(batch);
        batchKeys.stream().filter(k -> listed == null || listed.contains(dataFileOf(k))).forEach(out::add);
      });
      return out;
    }

    /** The files batch {@code batch}'s manifests list; null when a log expired it (all its files are kept). */
    private Set<String> batchFiles(long batch) {
      Set<String> files = new HashSet<>();
      for (CommitLog log : logs) {
        if (batch <= expiredThrough.get(log)) {
          return null;
        }
        log.read(batch).ifPresent(m -> files.addAll(keys(m, true)));
      }
      return files;
    }

    private Set<String> all() {
      if (logs.stream().anyMatch(log -> expiredThrough.get(log) >= 0)) {
        return null; // expired manifests: whether such a file was committed is unknown, so it is kept
      }
      if (all == null) {
        Set<String> files = new HashSet<>();
        for (CommitLog log : logs) {
          fullReads++;
          log.all().forEach(m -> files.addAll(keys(m, true)));
        }
        all = files;
      }
      return all;
    }

    /** The canonical locations of a manifest's archive files, and its quarantine files when asked. */
    Set<String> keys(CommitManifest m, boolean withQuarantine) {
      Set<String> keys = new HashSet<>();
      String archive = canonicalRoots.computeIfAbsent(m.archiveRoot(), storage::canonical);
      m.files().forEach(f -> keys.add(join(archive, f)));
      if (withQuarantine) {
        String quarantine = canonicalRoots.computeIfAbsent(m.quarantineRoot(), storage::canonical);
        m.quarantineFiles().forEach(f -> keys.add(join(quarantine, f)));
      }
      return keys;
    }
  }

  /** The data file a Hadoop checksum file ({@code .name.crc}) belongs to, or the key itself. */
  private static String dataFileOf(String key) {
    int slash = key.lastIndexOf('/');
    String name = key.substring(slash + 1);
    if (name.startsWith(".") && name.endsWith(".crc")) {
      return key.substring(0, slash + 1) + name.substring(1, name.length() - 4);
    }
    return key;
  }

  private static String join(String root, DataFile file) {
    return (root.endsWith("/") ? root : root + "/") + file.path();
  }
}
