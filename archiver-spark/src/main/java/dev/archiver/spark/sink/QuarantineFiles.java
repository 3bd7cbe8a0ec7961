package dev.archiver.spark.sink;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Where the quarantined rows of an archive file go: one file under the quarantine root, named after the archive file
 * and its partition: the archive's {@code event_date=2026-11-25/part-<batch>-<split>-<write>-<attempt>.c000.snappy.parquet}
 * gets {@code part-<batch>-<split>-<write>-<attempt>-event_date=2026-11-25.c000.snappy.parquet}. Derived from the
 * archive file's name, which no other task attempt shares, so neither does the quarantine file; the commit protocol
 * knows it without being told.
 */
final class QuarantineFiles {
  /** The quarantine root of a routed write; set per write like the batch id. */
  static final String ROOT = "archiver.write.quarantine";

  private QuarantineFiles() {
  }

  static Optional<Path> root(Configuration conf) {
    return Optional.ofNullable(conf.get(ROOT)).map(Path::new);
  }

  /** The quarantine file beside an archive file; the conf must hold {@value #ROOT}. */
  static Path of(Configuration conf, Path archiveFile) {
    return beside(root(conf).orElseThrow(() -> new IllegalStateException(ROOT + " is not set")), archiveFile);
  }

  static Path beside(Path quarantineRoot, Path archiveFile) {
    StringBuilder partition = new StringBuilder();
    for (Path dir = archiveFile.getParent(); dir != null && dir.getName().contains("="); dir = dir.getParent()) {
      partition.insert(0, "-" + dir.getName());
    }
    String name = archiveFile.getName();
    int dot = name.indexOf('.');
    String base = dot < 0 ? name : name.substring(0, dot);
    String ext = dot < 0 ? "" : name.substring(dot);
    return new Path(quarantineRoot, base + partition + ext);
  }
}
