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
 * <p>It only relies on "a data file a manifest lists is kept", never on how files are named.
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
    List<CommitManifest> manifests = committed.add(own);
    long retired = committed.addCompactions(compactionLogs.apply(request.archiveRoot()), cutoff);
    if (retired > 0) {
      notes.add(retired + " file(s) replaced by compactions committed before " + cutoff + " are no longer listed");
    }

    boolean quarantineListed = true;
    for (String claimant : QuarantineClaims.claimants(storage, request.quarantineRoot())) {
      if (storage.canonical(claimant).equals(roots.archive())) {
        continue;
      }
      try {
        committed.add(logs.apply(claimant));
      } catch (RuntimeException e) {
        quarantineListed = false;
        notes.add("skipped " + request.quarantineRoot() + ": the archive " + claimant + " shares it, and its manifests"
            + " cannot be read (" + e.getMessage() + "), so which files there are its own is unknown");
        break;
      }
    }

    Map<String, ArchiveStorage.StoredFile> listed = new LinkedHashMap<>();
    Map<String, ArchiveStorage.StoredFile> candidates = new LinkedHashMap<>();
    long young = 0;
    List<String> listedRoots = quarantineListed ? List.of(request.archiveRoot(), request.quarantineRoot())
        : List.of(request.archiveRoot());
    for (String root : listedRoots) {
      boolean isArchive = root.equals(request.archiveRoot());
      for (Map.Entry<String, ArchiveStorage.StoredFile> e : list(root, roots, isArchive, notes).entrySet()) {
        if (listed.putIfAbsent(e.getKey(), e.getValue()) != null || committed.contains(e.getKey())) {
          continue;
        }
        if (e.getValue().modified().isAfter(cutoff)) {
          young++;
        } else {
          candidates.put(e.getKey(), e.getValue());
        }
      }
    }
    checkRoots(manifests, committed, listed.keySet(), candidates.size(), quarantineListed, request);

    List<ArchiveStorage.StoredFile> orphans = new ArrayList<>();
    long changed = 0;
    if (request.dryRun()) {
      orphans.addAll(candidates.values());
    } else {
      committed.refresh(); // a manifest published since the listing may list a candidate
      for (Map.Entry<String, ArchiveStorage.StoredFile> e : candidates.entrySet()) {
        ArchiveStorage.StoredFile candidate = e.getValue();
        Optional<ArchiveStorage.StoredFile> now = storage.stat(candidate.uri());
        if (committed.contains(e.getKey())
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
    return new Result(orphans, young, committed.size(), changed, notes, request.dryRun());
  }

  private record Roots(String archive, String quarantine, String checkpoint) {
  }

  /**
   * The files under a root vacuum may consider, by canonical location: without reserved directories, the
   * checkpoint, other archives' directories, and (from the archive root) the quarantine root, listed on its own.
   */
  private Map<String, ArchiveStorage.StoredFile> list(String root, Roots roots, boolean isArchive,
      List<String> notes) {
    String qualified = storage.qualify(root);
    String canonical = storage.canonical(root);
    List<ArchiveStorage.StoredFile> files = storage.list(root);
    Set<String> guarded = guardedDirectories(files, qualified);
    guarded.stream().filter(dir -> !StoragePaths.within(canonical + "/" + dir, roots.quarantine()))
        .forEach(dir -> notes.add("skipped " + qualified + "/" + dir + ": another archive, another job's"
            + " quarantine root or a Spark checkpoint"));
    Map<String, ArchiveStorage.StoredFile> out = new LinkedHashMap<>();
    for (ArchiveStorage.StoredFile file : files) {
      String relative = relative(file.uri(), qualified);
      String key = canonical + "/" + relative;
      List<String> dirs = List.of(relative.split("/"));
      dirs = dirs.subList(0, dirs.size() - 1);
      if (dirs.contains(RESERVED) || guarded.stream().anyMatch(g -> relative.startsWith(g + "/"))
          || StoragePaths.within(key, roots.checkpoint())
          || isArchive && !roots.quarantine().equals(roots.archive()) && StoragePaths.within(key, roots.quarantine())) {
        continue;
      }
      out.put(key, file);
    }
    return out;
  }

  /** Directories below the root (relative paths) that belong to something else; see the class comment. */
  private static Set<String> guardedDirectories(List<ArchiveStorage.StoredFile> files, String qualifiedRoot) {
    Set<String> guarded = new HashSet<>();
    Set<String> withMetadata = new HashSet<>();
    Set<String> withOffsets = new HashSet<>();
    for (ArchiveStorage.StoredFile file : files) {
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
    }
    withMetadata.retainAll(withOffsets);
    withMetadata.stream().filter(d -> !d.isEmpty()).forEach(guarded::add);
    guarded.removeIf(d -> guarded.stream().anyMatch(o -> !o.equals(d) && d.startsWith(o + "/")));
    return guarded;
  }

  /** Refuses to delete anything when the listing does not look like this archive's. */
  private static void checkRoots(List<CommitManifest> manifests, Committed committed, Set<String> listed,
      int candidates, boolean quarantineListed, Request request) {
    if (manifests.isEmpty()) {
      if (candidates > 0) {
        throw new InvalidInputException("no committed manifest under " + request.archiveRoot() + "/"
            + ArchiveLayout.MANIFESTS_DIR + ", yet " + candidates + " file(s) there would be deleted: is --output the archive's root? Nothing"
            + " was deleted");
      }
      return;
    }
    for (int i = manifests.size() - 1; i >= 0; i--) {
      CommitManifest newest = manifests.get(i);
      Set<String> expected = committed.keys(newest, quarantineListed);
      expected.removeIf(k -> !committed.contains(k)); // compacted away: its files may be gone, rightly
      if (expected.isEmpty()) {
        continue;
      }
      // Exact canonical locations: if two spellings of one place were not recognised as one, stop here rather than
      // take committed files for orphans.
      if (expected.stream().noneMatch(listed::contains)) {
        throw new InvalidInputException("none of the " + expected.size() + " file(s) batch " + newest.batchId()
            + "'s manifest lists (under " + newest.archiveRoot() + ") was found under " + request.archiveRoot()
            + (quarantineListed ? " or " + request.quarantineRoot() : "") + ": these are not this archive's roots"
            + " (or its files are gone). Nothing was deleted");
      }
      return;
    }
  }

  private static String relative(String uri, String qualifiedRoot) {
    String prefix = qualifiedRoot.endsWith("/") ? qualifiedRoot : qualifiedRoot + "/";
    if (!uri.startsWith(prefix)) {
      throw new IllegalStateException("the storage listed " + uri + " under " + qualifiedRoot);
    }
    return uri.substring(prefix.length());
  }

  /** The files committed manifests list, by canonical location; re-read before deleting. */
  private final class Committed {
    private final Map<CommitLog, Long> seen = new LinkedHashMap<>();
    private final Map<CompactionLog, Long> seenCompactions = new LinkedHashMap<>();
    private final Set<String> files = new HashSet<>();
    private final Map<String, String> canonicalRoots = new HashMap<>();

    List<CommitManifest> add(CommitLog log) {
      List<CommitManifest> manifests = log.all();
      manifests.forEach(this::add);
      seen.put(log, manifests.isEmpty() ? -1 : manifests.get(manifests.size() - 1).batchId());
      return manifests;
    }

    /**
     * Lists each compaction's new files, and unlists the files it replaced when it committed before {@code cutoff};
     * returns how many were unlisted. Batch manifests must be added first.
     */
    long addCompactions(CompactionLog log, Instant cutoff) {
      long retired = 0;
      long last = -1;
      for (CompactionManifest c : log.all()) {
        String archive = canonicalRoots.computeIfAbsent(c.archiveRoot(), storage::canonical);
        c.files().forEach(f -> files.add(join(archive, f)));
        if (!c.committedAt().isAfter(cutoff)) {
          for (DataFile f : c.replaced()) {
            retired += files.remove(join(archive, f)) ? 1 : 0;
          }
        }
        last = c.sequence();
      }
      seenCompactions.put(log, last);
      return retired;
    }

    void refresh() {
      // A compaction published since the listing lists its new files; the files it replaced stay listed (it is
      // younger than the cutoff).
      seenCompactions.replaceAll((log, last) -> {
        long newest = last;
        for (long s : log.sequences()) {
          if (s > last) {
            log.read(s).ifPresent(c -> {
              String archive = canonicalRoots.computeIfAbsent(c.archiveRoot(), storage::canonical);
              c.files().forEach(f -> files.add(join(archive, f)));
            });
            newest = Math.max(newest, s);
          }
        }
        return newest;
      });
      seen.replaceAll((log, last) -> {
        long newest = last;
        for (long id : log.batchIds()) {
          if (id > last) {
            log.read(id).ifPresent(this::add);
            newest = Math.max(newest, id);
          }
        }
        return newest;
      });
    }

    private void add(CommitManifest m) {
      files.addAll(keys(m, true));
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

    boolean contains(String key) {
      return files.contains(key) || files.contains(dataFileOf(key));
    }

    int size() {
      return files.size();
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
