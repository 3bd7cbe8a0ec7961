package dev.archiver.listener;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A shell command in a process group of its own, so that a timeout kills all it started: killing only the shell
 * leaves its children (dbt, a {@code sleep}, a pipeline) running, holding files and locks. Java cannot set a process
 * group, so the command runs under {@code setsid}; without it (not Linux) the descendants Java can see are killed.
 */
final class ProcessGroup {
  private static final long KILL_WAIT_SECONDS = 10;

  private ProcessGroup() {
  }

  /** {@code /bin/sh -c line}, as the leader of a new session and process group when setsid exists. */
  static ProcessBuilder command(String line) {
    return Setsid.PATH.map(setsid -> new ProcessBuilder(setsid.toString(), "/bin/sh", "-c", line))
        .orElseGet(() -> new ProcessBuilder("/bin/sh", "-c", line));
  }

  /** SIGKILLs the command's process group (or its visible descendants) and waits for the command to be gone. */
  static void kill(Process process) throws InterruptedException, IOException {
    if (Setsid.PATH.isPresent()) {
      // setsid forks only when its caller leads a group, and a child of the JVM never does: so the process Java
      // started is the group's leader and its pid the group id. The shell's kill takes "-pgid" portably.
      new ProcessBuilder("/bin/sh", "-c", "kill -KILL -" + process.pid()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** Looked up once, on first use. */
  private static final class Setsid {
    static final Optional<Path> PATH = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")
        .split(File.pathSeparator)).filter(dir -> dir.startsWith("/")).map(dir -> Path.of(dir, "setsid"))
        .filter(Files::isExecutable).findFirst();
  }
}
