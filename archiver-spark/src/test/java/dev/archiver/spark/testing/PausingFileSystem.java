package dev.archiver.spark.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system that stops a process at a chosen point so a test can SIGKILL it there: the first time a
 * file whose path contains {@value #CREATE} is created, or one whose path contains {@value #LOOKUP} is looked up,
 * it notes the path in {@value #NOTES} and sleeps for good. Used as {@code fs.file.impl} in a driver of its own.
 */
public class PausingFileSystem extends LocalFileSystem {
  public static final String CREATE = "archiver.test.pause-on-create";
  public static final String LOOKUP = "archiver.test.pause-on-lookup";
  public static final String NOTES = "archiver.test.pause-notes";

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    FSDataOutputStream out = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    pauseIf(CREATE, f);
    return out;
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    pauseIf(LOOKUP, f);
    return super.getFileStatus(f);
  }

  private void pauseIf(String key, Path f) throws IOException {
    String marker = getConf().get(key);
    if (marker == null || !f.toString().contains(marker)) {
      return;
    }
    Files.writeString(java.nio.file.Path.of(getConf().get(NOTES)), "paused " + f + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("paused");
    }
  }
}
