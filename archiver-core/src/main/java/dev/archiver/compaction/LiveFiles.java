package dev.archiver.compaction;

import dev.archiver.InvalidInputException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.ArchiveSchema;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The archive files a manifest reader reads: every batch manifest's {@code files}, with each committed compaction's
 * {@code replaced} taken out and its {@code files} put in, in sequence order. Paths are relative to the archive
 * root. Quarantine files are never compacted and stay as their batches list them.
 *
 * @param live the current archive files, by relative path, in batch then compaction order
 * @param replaced files a committed compaction replaced, with when it committed (vacuum's grace starts there)
 * @param schemas the schema fingerprint of each current file's columns (its batch's {@code schema}, inherited by the
 *     files a compaction wrote from them), by relative path; empty for batches that recorded none
 */
public record LiveFiles(Map<String, DataFile> live, Map<String, Instant> replaced, Map<String, String> schemas) {
  public LiveFiles {
    live = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(live));
    replaced = Map.copyOf(replaced);
    schemas = Map.copyOf(schemas);
  }

  /** The schema fingerprint of a current file's columns, empty when its batch recorded none. */
  public String schemaOf(String path) {
    return schemas.getOrDefault(path, "");
  }

  /**
   * Folds the compactions over the batches. Throws {@link InvalidInputException} when a compaction replaces a file
   * that is not live at its turn: the compaction log does not belong to these manifests, or was edited.
   */
  public static LiveFiles of(List<CommitManifest> batches, List<CompactionManifest> compactions) {
    return of(batches, compactions, -1);
  }

  /**
   * {@link #of(List, List)} of a log whose manifests up to {@code expiredThrough} were expired
   * ({@code expire-manifests}): a compaction may have replaced files of those batches, which no manifest lists now.
   */
  public static LiveFiles of(List<CommitManifest> batches, List<CompactionManifest> compactions,
      long expiredThrough) {
    Map<String, DataFile> live = new LinkedHashMap<>();
    Map<String, String> schemas = new HashMap<>();
    for (CommitManifest m : batches) {
      String schema = m.schema().map(ArchiveSchema::fingerprint).orElse("");
      m.files().forEach(f -> {
        live.put(f.path(), f);
        schemas.put(f.path(), schema);
      });
    }
    Map<String, Instant> replaced = new LinkedHashMap<>();
    for (CompactionManifest c : compactions) {
      // A compaction merges the files of one schema only (Compactor's plan), so its new files have that schema.
      String schema = c.replaced().isEmpty() ? "" : schemas.getOrDefault(c.replaced().get(0).path(), "");
      for (DataFile f : c.replaced()) {
        schemas.remove(f.path());
        boolean expired = ArchiveLayout.batchOfFile(f.path().substring(f.path().lastIndexOf('/') + 1)) >= 0
            && ArchiveLayout.batchOfFile(f.path().substring(f.path().lastIndexOf('/') + 1)) <= expiredThrough;
        if (live.remove(f.path()) == null && !expired) {
          throw new InvalidInputException("compaction " + c.sequence() + " replaces " + f.path() + ", which "
              + (replaced.containsKey(f.path()) ? "an earlier compaction replaced already" : "no batch lists")
              + ": " + ArchiveLayout.COMPACTIONS_DIR + " does not match " + ArchiveLayout.MANIFESTS_DIR
              + " (edited or copied from another archive)");
        }
        replaced.put(f.path(), c.committedAt());
      }
      c.files().forEach(f -> {
        live.put(f.path(), f);
        schemas.put(f.path(), schema);
      });
    }
    return new LiveFiles(live, replaced, schemas);
  }

  /** The partition directory of a relative file path ({@code event_date=2026-11-25}), empty at the root. */
  public static String partitionOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }
}
