package dev.archiver.spark.commit;

import dev.archiver.CommitConflictException;
import dev.archiver.CommitStateUnknownException;
import dev.archiver.RetriableException;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.ManifestCodec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Manifests under {@code <output>/_archiver/manifests} on any Hadoop file system. Publishing is atomic on each
 * kind of store: on object stores (s3a, gs, abfs) a single PUT of the complete object; on the local disk a temp
 * file moved into place with an atomic rename; elsewhere (HDFS) a temp file renamed, which fails if the target exists.
 */
public final class HadoopCommitLog implements CommitLog {
  private static final Pattern NAME = Pattern.compile("\\d{20}\\.json");
  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "gs", "abfs", "abfss", "wasb", "wasbs",
      "oss");

  private final Path dir;
  private final Configuration conf;
  private final ManifestCodec codec = new ManifestCodec();

  public HadoopCommitLog(String outputPath, Configuration conf) {
    this.dir = new Path(new Path(outputPath), "_archiver/manifests");
    this.conf = conf;
  }

  @Override
  public List<Long> batchIds() {
    try {
      FileSystem fs = fs();
      if (!fs.exists(dir)) {
        return List.of();
      }
      List<Long> ids = new ArrayList<>();
      for (FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (NAME.matcher(name).matches()) {
          ids.add(Long.parseLong(name.substring(0, 20)));
        }
      }
      ids.sort(Long::compare);
      return ids;
    } catch (IOException e) {
      throw new RetriableException("cannot list manifests in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<CommitManifest> read(long batchId) {
    Path file = new Path(dir, CommitManifest.fileName(batchId));
    try (InputStream in = fs().open(file)) {
      return Optional.of(codec.decode(in.readAllBytes(), file.toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read manifest " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void commit(CommitManifest manifest) {
    Path target = new Path(dir, CommitManifest.fileName(manifest.batchId()));
    byte[] bytes = codec.encode(manifest);
    FileSystem fs;
    try {
      fs = fs();
      if (fs.exists(target)) {
        throw new CommitConflictException("manifest " + target + " exists already; batch " + manifest.batchId()
            + " is committed");
      }
      fs.mkdirs(dir);
    } catch (IOException e) {
      throw new RetriableException("cannot prepare manifest " + target + ": " + e.getMessage(), e);
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
          throw new CommitConflictException("manifest " + target + " appeared while committing batch "
              + manifest.batchId());
        }
      }
    } catch (IOException e) {
      throw new CommitStateUnknownException("publishing manifest " + target + " failed midway ("
          + e.getMessage() + "); read it back before retrying", e);
    }
  }

  private void publishLocal(FileSystem fs, Path target, byte[] bytes) throws IOException {
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

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }
}
