package dev.archiver.spark.sink;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.internal.io.FileCommitProtocol;
import scala.Option;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Writes each file straight to its final path (no {@code _temporary} directory, no rename, which S3 does not have),
 * with a name derived from the batch id and the task's partition: {@code part-<batchId>-<split>.c000.<ext>}. A replay
 * of the same batch writes the same names again, so it replaces rather than duplicates; files left by a failed
 * attempt are listed in no manifest and never read. On job commit the driver writes a receipt listing every file
 * of the committed tasks, which the sink turns into the manifest.
 *
 * <p>Set per write through options that reach the Hadoop job conf: {@value #BATCH_ID} and {@value #RECEIPT}, and for
 * a write through {@link RoutedParquetFormat} the quarantine root ({@link QuarantineFiles#ROOT}), whose files the
 * receipt lists too.
 */
public final class DirectWriteCommitProtocol extends FileCommitProtocol implements java.io.Serializable {
  static final String BATCH_ID = "archiver.write.batch-id";
  static final String RECEIPT = "archiver.write.receipt";

  private final String path;
  private transient List<Path> taskFiles;

  public DirectWriteCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
    if (dynamicPartitionOverwrite) {
      throw new UnsupportedOperationException("the archiver only appends; dynamic partition overwrite is off");
    }
    this.path = path;
  }

  @Override
  public void setupJob(JobContext jobContext) {
    // Nothing to prepare: files go straight to their final place.
  }

  @Override
  public void commitJob(JobContext jobContext, Seq<TaskCommitMessage> taskCommits) {
    StringBuilder receipt = new StringBuilder();
    for (TaskCommitMessage message : JavaConverters.seqAsJavaList(taskCommits)) {
      @SuppressWarnings("unchecked")
      List<String> lines = (List<String>) message.obj();
      lines.forEach(l -> receipt.append(l).append('\n'));
    }
    Configuration conf = jobContext.getConfiguration();
    Path target = new Path(required(conf, RECEIPT));
    try {
      FileSystem fs = target.getFileSystem(conf);
      try (OutputStream out = fs.create(target, true)) {
        out.write(receipt.toString().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the write receipt " + target, e);
    }
  }

  @Override
  public void abortJob(JobContext jobContext) {
    // Files of committed tasks stay; no manifest lists them, and `vacuum` removes them.
  }

  @Override
  public void setupTask(TaskAttemptContext taskContext) {
    taskFiles = new ArrayList<>();
  }

  @Override
  public String newTaskTempFile(TaskAttemptContext taskContext, Option<String> dir, String ext) {
    long batchId = Long.parseLong(required(taskContext.getConfiguration(), BATCH_ID));
    int split = taskContext.getTaskAttemptID().getTaskID().getId();
    String name = String.format("part-%020d-%05d%s", batchId, split, ext);
    Path file = dir.isDefined() ? new Path(new Path(path, dir.get()), name) : new Path(path, name);
    Configuration conf = taskContext.getConfiguration();
    Optional<Path> quarantine = QuarantineFiles.root(conf).map(root -> QuarantineFiles.beside(root, file));
    try {
      // A file under this name is left by an earlier attempt of this uncommitted batch (the committer never rewrites a
      // committed one): remove it, as Parquet's writer refuses to overwrite, and as this attempt may not write it.
      file.getFileSystem(conf).delete(file, false);
      if (quarantine.isPresent()) {
        quarantine.get().getFileSystem(conf).delete(quarantine.get(), false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace " + file + " left by an earlier attempt", e);
    }
    taskFiles.add(file);
    quarantine.ifPresent(taskFiles::add);
    return file.toString();
  }

  @Override
  public String newTaskTempFileAbsPath(TaskAttemptContext taskContext, String absoluteDir, String ext) {
    throw new UnsupportedOperationException("the archiver writes no custom partition locations");
  }

  @Override
  public TaskCommitMessage commitTask(TaskAttemptContext taskContext) {
    ArrayList<String> lines = new ArrayList<>();
    boolean routed = QuarantineFiles.root(taskContext.getConfiguration()).isPresent();
    try {
      for (Path file : taskFiles) {
        FileSystem fs = file.getFileSystem(taskContext.getConfiguration());
        try {
          lines.add(fs.getFileStatus(file).getLen() + "\t" + fs.makeQualified(file));
        } catch (FileNotFoundException e) {
          if (!routed) {
            throw e;
          }
          // A routed write opens a file at its first row: none of the partition's rows went there.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("a file this task wrote is not there", e);
    }
    return new TaskCommitMessage(lines);
  }

  @Override
  public void abortTask(TaskAttemptContext taskContext) {
    for (Path file : taskFiles == null ? List.<Path>of() : taskFiles) {
      try {
        file.getFileSystem(taskContext.getConfiguration()).delete(file, false);
      } catch (IOException e) {
        // Best effort: an orphan is harmless, no manifest lists it.
      }
    }
  }

  private static String required(Configuration conf, String key) {
    String value = conf.get(key);
    if (value == null) {
      throw new IllegalStateException(key + " is not set: DirectWriteCommitProtocol only serves archiver writes");
    }
    return value;
  }
}
