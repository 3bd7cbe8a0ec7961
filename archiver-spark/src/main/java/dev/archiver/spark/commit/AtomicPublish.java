package dev.archiver.spark.commit;

import dev.archiver.CommitConflictException;
import dev.archiver.CommitStateUnknownException;
import dev.archiver.RetriableException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Publishes a small file whole and never over an existing one, on any Hadoop file system: on object stores (s3a,
 * gs, abfs) a single PUT of the complete object; on the local disk a temp file moved into place with an atomic
 * rename; elsewhere (HDFS) a temp file renamed, which fails if the target exists. Batch manifests
 * ({@link HadoopCommitLog}) and compaction manifests ({@link HadoopCompactionLog}) are published this way.
 */
final class AtomicPublish {
  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "gs", "abfs", "abfss", "wasb", "wasbs",
      "oss");

  private AtomicPublish() {
  }

  /**
   * @param what names the file in errors, e.g. "manifest of batch 3"
   * @throws CommitConflictException the target exists; nothing was changed
   * @throws RetriableException storage failed before the write
   * @throws CommitStateUnknownException the write failed midway; read the target back before acting
   */
  static void publish(Path target, byte[] bytes, Configuration conf, String what) {
    Path dir = target.getParent();
    FileSystem fs;
    try {
      fs = target.getFileSystem(conf);
      if (fs.exists(target)) {
        throw new CommitConflictException(what + ": " + target + " exists already");
      }
      fs.mkdirs(dir);
    } catch (IOException e) {
      throw new RetriableException("cannot prepare " + target + ": " + e.getMessage(), e);
    }
    try {
      String scheme = fs.getUri().getScheme();
      if ("file".equals(scheme)) {
        publishLocal(fs, target, bytes);
      } else if (OBJECT_STORES.contains(scheme)) {
        try (OutputStream out = fs.create(target, false)) {
          out.write(bytes);
        }
      } else {
        Path tmp = new Path(dir, "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(tmp, false)) {
          out.write(bytes);
        }
        if (!fs.rename(tmp, target)) {
          fs.delete(tmp, false);
          throw new CommitConflictException(what + ": " + target + " appeared while publishing it");
        }
      }
    } catch (IOException e) {
      throw new CommitStateUnknownException("publishing " + target + " (" + what + ") failed midway ("
          + e.getMessage() + "); read it back before retrying", e);
    }
  }

  private static void publishLocal(FileSystem fs, Path target, byte[] bytes) throws IOException {
    java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(target).toUri());
    java.nio.file.Path tmp = local.resolveSibling("." + local.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Files.write(tmp, bytes);
    try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    try {
      Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(tmp);
      throw new IOException("the local file system cannot rename atomically", e);
    }
  }
}
