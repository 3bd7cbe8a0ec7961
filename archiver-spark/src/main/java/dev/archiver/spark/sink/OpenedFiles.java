package dev.archiver.spark.sink;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The files a routed writer opened in its task, kept in the task's own Hadoop conf: Spark hands the writers and the
 * commit protocol the same task attempt context, created per task. The protocol lists exactly these at commit, so a
 * file that was opened and then lost fails the task instead of being skipped as "never opened".
 */
final class OpenedFiles {
  private OpenedFiles() {
  }

  static void record(Configuration taskConf, Path file) {
    String before = taskConf.get(DirectWriteCommitProtocol.OPENED, "");
    taskConf.set(DirectWriteCommitProtocol.OPENED, before.isEmpty() ? file.toString() : before + "\n" + file);
  }

  /**
   * Records how many late rows (past {@code output.late-after}) an archive file of this task holds, when it closes.
   * Reported with the file at task commit, so only the attempt that commits counts: retries and speculative copies
   * never add to a batch's late rows (an accumulator would).
   */
  static void recordLate(Configuration taskConf, Path file, long rows) {
    if (rows > 0) {
      String before = taskConf.get(DirectWriteCommitProtocol.LATE, "");
      String line = rows + "\t" + file;
      taskConf.set(DirectWriteCommitProtocol.LATE, before.isEmpty() ? line : before + "\n" + line);
    }
  }

  /** Late rows per file this task recorded, by the file's path as recorded; files without late rows are absent. */
  static Map<String, Long> late(Configuration taskConf) {
    String recorded = taskConf.get(DirectWriteCommitProtocol.LATE, "");
    Map<String, Long> out = new HashMap<>();
    if (!recorded.isEmpty()) {
      for (String line : recorded.split("\n")) {
        String[] parts = line.split("\t", 2);
        out.merge(parts[1], Long.parseLong(parts[0]), Long::sum);
      }
    }
    return out;
  }

  static List<Path> of(Configuration taskConf) {
    String opened = taskConf.get(DirectWriteCommitProtocol.OPENED, "");
    return opened.isEmpty() ? List.of() : Arrays.stream(opened.split("\n")).map(Path::new).toList();
  }
}
