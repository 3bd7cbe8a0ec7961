package dev.archiver.spark.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.JobID;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.executor.CommitDeniedException;
import org.apache.spark.internal.io.FileCommitProtocol.TaskCommitMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/**
 * Attempts of one split as Spark runs them on a cluster: a speculative copy beside the original, a zombie of a failed
 * write still running after the batch was retried. Each attempt gets its own protocol instance, as each task
 * deserializes its own; the commit coordinator is played by a set of partitions that committed.
 */
class DirectWriteCommitProtocolTest {
  private static final int SPLIT = 3;
  private static final String PARTITION = "event_date=2026-12-01";

  @TempDir
  java.nio.file.Path dir;

  private String output;
  private final Set<Integer> committedSplits = ConcurrentHashMap.newKeySet();
  /** Authorizes the first attempt of each split that asks, like Spark's OutputCommitCoordinator. */
  private final CommitPermission coordinator = attempt -> {
    int split = attempt.getTaskAttemptID().getTaskID().getId();
    if (!committedSplits.add(split)) {
      throw CommitPermission.denied(attempt, 0, split, attempt.getTaskAttemptID().getId());
    }
  };

  @BeforeEach
  void setUp() {
    output = dir.resolve("archive").toUri().toString();
  }

  @Test
  void twoAttemptsOfOneSplitWriteDifferentFilesAndTheDeniedOneDeletesOnlyItsOwn() throws IOException {
    String write = UUID.randomUUID().toString();
    Attempt original = new Attempt(write, 101);
    Attempt speculative = new Attempt(write, 102);
    Path first = original.writeArchiveRows();
    Path second = speculative.writeArchiveRows();
    assertThat(second).as("a speculative copy never shares the original's file name").isNotEqualTo(first);

    TaskCommitMessage committed = speculative.commit();
    assertThatThrownBy(original::commit).as("the slower attempt may not commit too")
        .hasRootCauseInstanceOf(CommitDeniedException.class);
    original.abort();

    assertThat(files(committed)).containsExactly(qualified(second));
    assertThat(exists(second)).as("the committed attempt's file survives the other's abort").isTrue();
    assertThat(exists(first)).as("the denied attempt removed its own file").isFalse();
  }

  @Test
  void aZombieOfAFailedWriteAbortingLaterLeavesTheRetrysCommittedFileAlone() throws IOException {
    Attempt zombie = new Attempt(UUID.randomUUID().toString(), 7);
    Path zombieFile = zombie.writeArchiveRows();
    committedSplits.clear();
    // The batch is retried as a new write while the zombie still runs; the retry commits first.
    Attempt retry = new Attempt(UUID.randomUUID().toString(), 7);
    Path retried = retry.writeArchiveRows();
    TaskCommitMessage committed = retry.commit();
    zombie.abort();

    assertThat(files(committed)).containsExactly(qualified(retried));
    assertThat(exists(retried)).isTrue();
    assertThat(exists(zombieFile)).isFalse();
  }

  @Test
  void aQuarantineFileTheTaskOpenedAndLostFailsTheCommit() throws IOException {
    Attempt attempt = new Attempt(UUID.randomUUID().toString(), 1);
    attempt.writeArchiveRows();
    Path quarantine = attempt.writeQuarantineRows();
    FileSystem.get(quarantine.toUri(), new Configuration()).delete(quarantine, false);
    assertThatThrownBy(attempt::commit).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(quarantine.getName()).hasMessageContaining("is gone before its commit");
    assertThat(committedSplits).as("an attempt with missing files never takes the right to commit").isEmpty();
  }

  @Test
  void aRoutedTaskListsExactlyTheFilesItOpened() throws IOException {
    Attempt onlyBadRows = new Attempt(UUID.randomUUID().toString(), 1);
    onlyBadRows.newArchiveFile(); // all of the partition's rows failed: the archive file is never opened
    Path quarantine = onlyBadRows.writeQuarantineRows();
    assertThat(files(onlyBadRows.commit())).containsExactly(qualified(quarantine));
  }

  @Test
  void filesRolledBySizeAreReportedWithTheirLateRowsAndDeletedWhenTheirAttemptAborts() throws IOException {
    Attempt committing = new Attempt(UUID.randomUUID().toString(), 11);
    Path first = committing.writeArchiveRows();
    Path roll = committing.writeRolled(1, 7);
    assertThat(roll.getName()).as("named after the attempt's own file").startsWith(first.getName().split("\\.")[0])
        .endsWith(".c000-r001.snappy.parquet");
    @SuppressWarnings("unchecked")
    List<String> lines = (List<String>) committing.commit().obj();
    assertThat(lines).as("bytes, late rows, path").containsExactly("3\t0\t" + qualified(first),
        "3\t7\t" + qualified(roll));

    Attempt denied = new Attempt(UUID.randomUUID().toString(), 12);
    Path deniedFirst = denied.writeArchiveRows();
    Path deniedRoll = denied.writeRolled(1, 0);
    assertThatThrownBy(denied::commit).hasRootCauseInstanceOf(CommitDeniedException.class);
    denied.abort();
    assertThat(exists(deniedFirst)).isFalse();
    assertThat(exists(deniedRoll)).as("a rolled file is the aborting attempt's own too").isFalse();
    assertThat(exists(roll)).as("the committed attempt's rolled file stays").isTrue();
  }

  /** One task attempt of split {@link #SPLIT} in the write {@code writeId}, with its own protocol instance. */
  private final class Attempt {
    final DirectWriteCommitProtocol protocol;
    final TaskAttemptContext context;
    Path archiveFile;

    Attempt(String writeId, int attemptId) {
      protocol = new DirectWriteCommitProtocol(writeId, output, false, coordinator);
      Configuration conf = new Configuration();
      conf.set(DirectWriteCommitProtocol.BATCH_ID, "42");
      conf.set(QuarantineFiles.ROOT, output + "/_quarantine");
      context = new TaskAttemptContextImpl(conf,
          new TaskAttemptID(new TaskID(new JobID("20261201", 0), TaskType.MAP, SPLIT), attemptId));
      protocol.setupTask(context);
    }

    Path newArchiveFile() {
      archiveFile = new Path(protocol.newTaskTempFile(context, Option.apply(PARTITION), ".c000.snappy.parquet"));
      return archiveFile;
    }

    Path writeArchiveRows() throws IOException {
      touch(newArchiveFile());
      OpenedFiles.record(context.getConfiguration(), archiveFile);
      return archiveFile;
    }

    /** What a routed writer does when the archive file passes its target size: the next rows go to a rolled file. */
    Path writeRolled(int n, long lateRows) throws IOException {
      Path file = RoutedParquetFormat.rolled(archiveFile, n);
      OpenedFiles.record(context.getConfiguration(), file);
      touch(file);
      OpenedFiles.recordLate(context.getConfiguration(), file, lateRows);
      return file;
    }

    Path writeQuarantineRows() throws IOException {
      Path file = QuarantineFiles.of(context.getConfiguration(), archiveFile);
      touch(file);
      OpenedFiles.record(context.getConfiguration(), file);
      return file;
    }

    TaskCommitMessage commit() {
      return protocol.commitTask(context);
    }

    void abort() {
      protocol.abortTask(context);
    }
  }

  private static void touch(Path file) throws IOException {
    try (OutputStream out = FileSystem.get(file.toUri(), new Configuration()).create(file, false)) {
      out.write(new byte[] {1, 2, 3});
    }
  }

  private static boolean exists(Path file) throws IOException {
    return FileSystem.get(file.toUri(), new Configuration()).exists(file);
  }

  private static String qualified(Path file) throws IOException {
    return FileSystem.get(file.toUri(), new Configuration()).makeQualified(file).toString();
  }

  @SuppressWarnings("unchecked")
  private static List<String> files(TaskCommitMessage message) {
    return ((List<String>) message.obj()).stream().map(l -> l.split("\t", 3)[2]).toList();
  }
}
