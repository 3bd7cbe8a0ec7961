package dev.archiver.local;

import dev.archiver.ArchiverException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local service process (a Kafka broker, a Spark master or worker) that may outlive the JVM that started it: its
 * output goes to a log file, its pid to a pid file, and any later command stops it through that file.
 */
public final class Daemon {
  private Daemon() {
  }

  /** Starts the command with its output (stdout and stderr) appended to {@code log}. */
  public static Process launch(List<String> command, Map<String, String> env, Path log) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // A JAVA_TOOL_OPTIONS or CLASSPATH meant for the caller would leak into the service's JVM.
      pb.environment().keySet().removeIf(k -> k.startsWith("JAVA_TOOL") || k.equals("CLASSPATH"));
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
  }

  /** The live process whose pid the file holds. */
  public static Optional<ProcessHandle> running(Path pidFile) {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(read(pidFile).trim())).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
  }

  public static void writePid(Path pidFile, ProcessHandle process) {
    write(pidFile, Long.toString(process.pid()));
  }

  /** Stops the process the pid file names (SIGTERM, then SIGKILL after the timeout); false when none ran. */
  public static boolean stop(Path pidFile, Duration timeout) {
    Optional<ProcessHandle> process = running(pidFile);
    process.ifPresent(p -> terminate(p, timeout));
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return process.isPresent();
  }

  /** SIGTERM, so the service can stop cleanly; SIGKILL if it has not exited within the timeout. */
  public static void terminate(ProcessHandle process, Duration timeout) {
    process.destroy();
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
    }
  }

  /** The last lines of a log, on one line, for an error message. */
  public static String tail(Path file, int lines) {
    if (!Files.exists(file)) {
      return "(no output)";
    }
    String[] all = read(file).strip().split("\n");
    return String.join(" | ", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the condition holds, failing with the message (and the log's tail) at the deadline. */
  static void await(String what, Duration timeout, Path log, Process process, java.util.function.BooleanSupplier ready) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      if (process != null && !process.isAlive()) {
        throw new ArchiverException(what + " exited with " + process.exitValue() + ": " + tail(log, 5)
            + " (full log: " + log + ")");
      }
      if (System.nanoTime() > deadline) {
        throw new ArchiverException(what + " was not ready within " + timeout.toSeconds() + "s; see " + log);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ArchiverException("interrupted while waiting for " + what, e);
      }
    }
  }
}
