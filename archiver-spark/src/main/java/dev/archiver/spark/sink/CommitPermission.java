package dev.archiver.spark.sink;

import java.io.Serializable;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.executor.CommitDeniedException;

/**
 * Decides whether a task attempt may commit its files: at most one attempt per partition of a write does. Spark's
 * implementation asks the driver's output commit coordinator, as Hadoop commit protocols do through
 * {@code SparkHadoopMapRedUtil.commitTask}; it authorizes the first attempt that asks and denies every other attempt
 * of the partition (speculative copies, zombies of a finished or failed stage) unless the authorized one fails.
 */
@FunctionalInterface
interface CommitPermission extends Serializable {
  /** Returns when the attempt may commit; throws {@link CommitDeniedException} (wrapped) when it may not. */
  void check(TaskAttemptContext attempt);

  CommitPermission SPARK = attempt -> {
    TaskContext task = TaskContext.get();
    boolean allowed = SparkEnv.get().outputCommitCoordinator().canCommit(task.stageId(), task.stageAttemptNumber(),
        task.partitionId(), task.attemptNumber());
    if (!allowed) {
      throw denied(attempt, task.stageId(), task.partitionId(), task.attemptNumber());
    }
  };

  /**
   * Spark's own commit-denied error: the executor reports it as {@code TaskCommitDenied} (found as the cause), which
   * neither counts as a task failure nor fails the job.
   */
  static RuntimeException denied(TaskAttemptContext attempt, int stage, int partition, int attemptNumber) {
    String message = "task attempt " + attempt.getTaskAttemptID() + " may not commit: another attempt of partition "
        + partition + " committed or is committing";
    return new IllegalStateException(message, new CommitDeniedException(message, stage, partition, attemptNumber));
  }
}
