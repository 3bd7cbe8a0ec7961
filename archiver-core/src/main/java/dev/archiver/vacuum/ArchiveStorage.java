package dev.archiver.vacuum;

import dev.archiver.config.StoragePaths;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The file operations vacuum needs on an archive's storage. Implementations live beside their file system.
 * Failures are {@link dev.archiver.RetriableException}: nothing half-done matters, a rerun recomputes everything.
 */
public interface ArchiveStorage {
  /** A stored file: its qualified URI, size and last modification. */
  record StoredFile(String uri, long bytes, Instant modified) {
  }

  /**
   * Every file under {@code root}, recursively, nothing skipped, as qualified URIs that start with
   * {@link #qualify}{@code (root) + "/"}; empty when the root does not exist.
   */
  List<StoredFile> list(String root);

  /**
   * {@link #list}, one file at a time, holding no more of the listing than a page of it (vacuum's memory must not
   * grow with the archive). The default holds the whole list: fine for storage in memory.
   */
  default void forEach(String root, java.util.function.Consumer<StoredFile> each) {
    list(root).forEach(each);
  }

  /**
   * {@link #forEach(String, java.util.function.Consumer)} without the files under {@code root/skipped}: vacuum
   * never looks at the root's own {@code _archiver/} (a year of manifests), so storage that lists a directory at a
   * time does not descend there. A flat listing (S3) still lists and drops them.
   */
  default void forEach(String root, String skipped, java.util.function.Consumer<StoredFile> each) {
    String prefix = qualify(root) + "/" + skipped + "/";
    forEach(root, file -> {
      if (!file.uri().startsWith(prefix)) {
        each.accept(file);
      }
    });
  }

  /** The file as it is now; empty when it is gone. Vacuum looks again just before it deletes. */
  Optional<StoredFile> stat(String uri);

  /** The qualified URI of a root (scheme and authority, no trailing slash), in the form {@link #list} reports. */
  String qualify(String root);

  /**
   * One spelling per place, to compare locations named differently: {@link StoragePaths#canonical} of the qualified
   * URI, with symbolic links resolved where the storage has them.
   */
  default String canonical(String location) {
    return StoragePaths.canonical(qualify(location));
  }

  void delete(String uri);

  /** Writes a small file whole, replacing any file of that name. */
  void write(String uri, String text);

  /** A small file's text; empty when it does not exist. */
  Optional<String> read(String uri);
}
