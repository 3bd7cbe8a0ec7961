package dev.archiver.vacuum;

import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes files of failed attempts: files under the archive and quarantine roots that no committed manifest lists and
 * that are older than a grace period (so a batch being written right now is never touched). A file a manifest lists
 * is never deleted, whatever its age; neither is anything under {@code _archiver/} (manifests, checkpoint).
 */
public final class Vacuum {
  private static final Logger LOG = LoggerFactory.getLogger(Vacuum.class);

  /** What a vacuum found and did. */
  public record Result(List<ArchiveStorage.StoredFile> orphans, long keptYoung, long listed, boolean dryRun) {
    public long orphanBytes() {
      return orphans.stream().mapToLong(ArchiveStorage.StoredFile::bytes).sum();
    }
  }

  private final ArchiveStorage storage;

  public Vacuum(ArchiveStorage storage) {
    this.storage = storage;
  }

  public Result run(List<String> roots, List<CommitManifest> manifests, Duration olderThan, Instant now,
      boolean dryRun) {
    Set<String> committed = new HashSet<>();
    for (CommitManifest m : manifests) {
      m.files().forEach(f -> committed.add(join(storage.qualify(m.archiveRoot()), f)));
      m.quarantineFiles().forEach(f -> committed.add(join(storage.qualify(m.quarantineRoot()), f)));
    }
    Instant cutoff = now.minus(olderThan);
    List<ArchiveStorage.StoredFile> orphans = new ArrayList<>();
    long young = 0;
    Set<String> seen = new HashSet<>();
    for (String root : roots) {
      for (ArchiveStorage.StoredFile file : storage.listData(root)) {
        if (!seen.add(file.uri()) || committed.contains(file.uri()) || committed.contains(checksummed(file.uri()))) {
          continue;
        }
        if (file.modified().isAfter(cutoff)) {
          young++;
        } else {
          orphans.add(file);
        }
      }
    }
    if (!dryRun) {
      for (ArchiveStorage.StoredFile orphan : orphans) {
        storage.delete(orphan.uri());
        LOG.info("vacuum: deleted {} ({} bytes, listed in no manifest)", orphan.uri(), orphan.bytes());
      }
    }
    return new Result(List.copyOf(orphans), young, committed.size(), dryRun);
  }

  /** The data file a Hadoop checksum file ({@code .name.crc}) belongs to, or the uri itself. */
  private static String checksummed(String uri) {
    int slash = uri.lastIndexOf('/');
    String name = uri.substring(slash + 1);
    if (name.startsWith(".") && name.endsWith(".crc")) {
      return uri.substring(0, slash + 1) + name.substring(1, name.length() - 4);
    }
    return uri;
  }

  private static String join(String root, DataFile file) {
    return (root.endsWith("/") ? root : root + "/") + file.path();
  }
}
