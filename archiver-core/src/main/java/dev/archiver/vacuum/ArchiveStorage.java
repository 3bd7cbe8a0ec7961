package dev.archiver.vacuum;

import java.time.Instant;
import java.util.List;

/**
 * The file operations vacuum needs on an archive's storage. Implementations live beside their file system.
 * Failures are {@link dev.archiver.RetriableException}: nothing half-done matters, a rerun recomputes everything.
 */
public interface ArchiveStorage {
  /** A stored file: its qualified URI, size and last modification. */
  record StoredFile(String uri, long bytes, Instant modified) {
  }

  /** Every file under {@code root}, recursively, skipping directories whose name starts with {@code _archiver}. */
  List<StoredFile> listData(String root);

  /** The qualified URI of a root, in the form {@link #listData} reports files. */
  String qualify(String root);

  void delete(String uri);
}
