package dev.archiver.spark.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.apache.spark.TaskContext;

/**
 * The local file system with a straggler: the first attempt of partition 0 of every write stalls right after it
 * opened its first data file, until Spark kills it (the speculative copy finished) or {@value #STALL_MS} passes.
 * Used as {@code fs.file.impl} in executors; each stall is noted in {@value #NOTES} so the test sees it happened.
 */
public class StallingFileSystem extends LocalFileSystem {
  public static final String STALL_MS = "archiver.test.stall-ms";
  public static final String NOTES = "archiver.test.stall-notes";

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    FSDataOutputStream out = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    TaskContext task = TaskContext.get();
    if (task != null && task.partitionId() == 0 && task.attemptNumber() == 0 && f.getName().startsWith("part-")) {
      stall(f, task);
    }
    return out;
  }

  private void stall(Path f, TaskContext task) throws IOException {
    note("stalled stage " + task.stageId() + " " + f.getName());
    try {
      Thread.sleep(getConf().getLong(STALL_MS, 60_000));
      note("resumed stage " + task.stageId() + " " + f.getName());
    } catch (InterruptedException e) {
      note("killed stage " + task.stageId() + " " + f.getName());
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("stalled attempt killed");
    }
  }

  private void note(String line) throws IOException {
    String notes = getConf().get(NOTES);
    if (notes != null) {
      Files.writeString(java.nio.file.Path.of(notes), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }
}
