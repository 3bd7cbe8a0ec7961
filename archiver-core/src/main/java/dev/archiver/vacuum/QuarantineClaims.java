package dev.archiver.vacuum;

import dev.archiver.commit.ArchiveLayout;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which archives write under a quarantine root. Several jobs may share one {@code output.quarantine}, and nothing in
 * a quarantine file says whose it is; each job therefore claims its quarantine root when it starts, with a small file
 * {@code <quarantine>/_archiver/claims/<hash of the archive root>.claim} holding its archive root. Vacuum keeps every
 * file the manifests of any claimant list, so one job's vacuum never deletes another job's committed quarantine files.
 */
public final class QuarantineClaims {
  static final String DIR = ArchiveLayout.ARCHIVER_DIR + "/claims";
  private static final String SUFFIX = ".claim";

  private QuarantineClaims() {
  }

  /** Records that the archive at {@code archiveRoot} writes quarantine files under {@code quarantineRoot}. */
  public static void claim(ArchiveStorage storage, String quarantineRoot, String archiveRoot) {
    String archive = storage.qualify(archiveRoot);
    storage.write(dir(storage, quarantineRoot) + "/" + hash(storage.canonical(archiveRoot)) + SUFFIX, archive + "\n");
  }

  /** The archive roots (qualified) that claimed the quarantine root; empty for a root nobody claimed. */
  public static Set<String> claimants(ArchiveStorage storage, String quarantineRoot) {
    Set<String> roots = new LinkedHashSet<>();
    for (ArchiveStorage.StoredFile file : storage.list(dir(storage, quarantineRoot))) {
      if (file.uri().endsWith(SUFFIX)) {
        storage.read(file.uri()).map(String::strip).filter(s -> !s.isEmpty()).ifPresent(roots::add);
      }
    }
    return roots;
  }

  private static String dir(ArchiveStorage storage, String quarantineRoot) {
    return storage.qualify(quarantineRoot) + "/" + DIR;
  }

  private static String hash(String canonicalRoot) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonicalRoot.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
