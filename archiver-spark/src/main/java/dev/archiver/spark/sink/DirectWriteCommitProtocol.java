package dev.archiver.spark.sink;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * under a name no other task attempt can share: {@code part-<batchId>-<split>-<writeId>-<attempt>.c000.<ext>}, where
 * the write id is random per write (per batch attempt) and the attempt is Spark's task attempt id, unique in the
 * application. Speculative copies of a task, tasks of a failed write still running while the batch is retried, and
 * tasks on a lost executor therefore never touch each other's files.
 *
 * <p>Only the attempt that Spark's output commit coordinator lets commit reports its files (the others fail with
 * Spark's commit-denied error, which Spark does not count as a task failure, and delete their own files); a file a
 * task opened that is gone at its commit fails the task. On job commit the driver writes a receipt listing every file
 * of the committed attempts, which the sink checks and turns into the manifest. Files of attempts that did not commit
 * are listed nowhere: no reader that follows manifests sees them, and {@code vacuum} removes them.
 *
 * <p>A routed writer may roll an archive file by size ({@code output.target-file-size}) to further files named after
 * the one Spark asked for ({@link RoutedParquetFormat#rolled}), so still unique to the attempt; it records each file
 * it opens, and this protocol reports and, on abort, deletes exactly the recorded ones.
 *
 * <p>Set per write through options that reach the Hadoop job conf: {@value #BATCH_ID} and {@value #RECEIPT}, and for
 * a write through {@link RoutedParquetFormat} the quarantine root ({@link QuarantineFiles#ROOT}).
 */
public final class DirectWriteCommitProtocol extends FileCommitProtocol implements java.io.Serializable {
  static final String BATCH_ID = "archiver.write.batch-id";
  static final String RECEIPT = "archiver.write.receipt";
  /** Files a routed writer opened in this task, one per line; the task's own conf, set by {@link OpenedFiles}. */
  static final String OPENED = "archiver.write.opened";
  /** Late rows per archive file of this task, one {@code rows<TAB>path} per line; set by {@link OpenedFiles}. */
  static final String LATE = "archiver.write.late";

  private final String path;
  private final String writeId;
  private final CommitPermission permission;
  private transient List<Path> candidates;

  public DirectWriteCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
    this(jobId, path, dynamicPartitionOverwrite, CommitPermission.SPARK);
  }

  DirectWriteCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite,
      CommitPermission permission) {
    if (dynamicPartitionOverwrite) {
      throw new UnsupportedOperationException("the archiver only appends; dynamic partition overwrite is off");
    }
    this.path = path;
    // Spark passes a random UUID per write; 12 hex digits of it tell writes of one batch apart.
    this.writeId = jobId.replace("-", "").substring(0, Math.min(12, jobId.replace("-", "").length()));
    this.permission = permission;
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
    candidates = new ArrayList<>();
  }

  @Override
  public String newTaskTempFile(TaskAttemptContext taskContext, Option<String> dir, String ext) {
    long batchId = Long.parseLong(required(taskContext.getConfiguration(), BATCH_ID));
    int split = taskContext.getTaskAttemptID().getTaskID().getId();
    // Spark numbers Hadoop task attempts by its task attempt id, unique across the application's stages and jobs.
    int attempt = taskContext.getTaskAttemptID().getId();
    String name = String.format("part-%020d-%05d-%s-%d%s", batchId, split, writeId, attempt, ext);
    Path file = dir.isDefined() ? new Path(new Path(path, dir.get()), name) : new Path(path, name);
    candidates.add(file);
    QuarantineFiles.root(taskContext.getConfiguration())
        .ifPresent(root -> candidates.add(QuarantineFiles.beside(root, file)));
    return file.toString();
  }

  @Override
  public String newTaskTempFileAbsPath(TaskAttemptContext taskContext, String absoluteDir, String ext) {
    throw new UnsupportedOperationException("the archiver writes no custom partition locations");
  }

  /**
   * Reports the files this attempt wrote, if Spark lets it commit. A routed write opens each file at its first row
   * and records it ({@link OpenedFiles}); any other write opened the file Spark asked for. A recorded file that is not
   * there fails the task (and Spark retries it) rather than commit a batch without it.
   */
  @Override
  public TaskCommitMessage commitTask(TaskAttemptContext taskContext) {
    Configuration conf = taskContext.getConfiguration();
    List<Path> written = QuarantineFiles.root(conf).isPresent() ? OpenedFiles.of(conf)
        : candidates.stream().limit(1).toList();
    Map<String, Long> late = OpenedFiles.late(conf);
    ArrayList<String> lines = new ArrayList<>();
    for (Path file : written) {
      try {
        FileSystem fs = file.getFileSystem(conf);
        // bytes, late rows, path: the path last, as it is the one field that could hold anything.
        lines.add(fs.getFileStatus(file).getLen() + "\t" + late.getOrDefault(file.toString(), 0L) + "\t"
            + fs.makeQualified(file));
      } catch (FileNotFoundException e) {
        throw new IllegalStateException("batch " + conf.get(BATCH_ID) + ": the file " + file + " that this task"
            + " wrote is gone before its commit; something else deletes files under the output", e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot check the file " + file + " this task wrote", e);
      }
    }
    // Asked last, so that an attempt whose files are incomplete never holds the right to commit.
    permission.check(taskContext);
    return new TaskCommitMessage(lines);
  }

  /**
   * Deletes this attempt's own files, whether or not it got to open them; no other attempt shares their names. The
   * files a routed writer rolled to by size are not names Spark asked for, so the recorded ones are deleted too.
   */
  @Override
  public void abortTask(TaskAttemptContext taskContext) {
    Set<Path> own = new LinkedHashSet<>(candidates == null ? List.<Path>of() : candidates);
    own.addAll(OpenedFiles.of(taskContext.getConfiguration()));
    for (Path file : own) {
      try {
        file.getFileSystem(taskContext.getConfiguration()).delete(file, false);
      } catch (IOException e) {
        // Best effort: an orphan is harmless, no manifest lists it.
      }
    }
  }

  static String required(Configuration conf, String key) {
    return Optional.ofNullable(conf.get(key)).orElseThrow(() -> new IllegalStateException(
        key + " is not set: DirectWriteCommitProtocol only serves archiver writes"));
  }
}
