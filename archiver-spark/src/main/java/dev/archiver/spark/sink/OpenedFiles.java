package dev.archiver.spark.sink;

import java.util.Arrays;
import java.util.List;
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

  static List<Path> of(Configuration taskConf) {
    String opened = taskConf.get(DirectWriteCommitProtocol.OPENED, "");
    return opened.isEmpty() ? List.of() : Arrays.stream(opened.split("\n")).map(Path::new).toList();
  }
}
