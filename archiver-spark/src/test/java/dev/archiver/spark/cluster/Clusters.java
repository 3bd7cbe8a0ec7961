package dev.archiver.spark.cluster;

import dev.archiver.spark.testing.LocalClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** What the cluster's processes left and which of them run: executor and driver logs, executor JVMs. */
final class Clusters {
  private Clusters() {
  }

  /** Logs of executors (under the workers' work directories) written since {@code since}. */
  static List<String> executorLogsSince(LocalClusterExtension.Cluster cluster, Instant since) {
    return logsSince(cluster, since, "app-");
  }

  /** Logs of drivers that ran on workers (cluster deploy mode) since {@code since}. */
  static List<String> driverLogsSince(LocalClusterExtension.Cluster cluster, Instant since) {
    return logsSince(cluster, since, "driver-");
  }

  private static List<String> logsSince(LocalClusterExtension.Cluster cluster, Instant since, String prefix) {
    try (Stream<Path> files = Files.walk(cluster.dir().resolve("work"))) {
      return files.filter(f -> f.getFileName().toString().matches("stdout|stderr"))
          .filter(f -> f.toString().contains("/" + prefix))
          .filter(f -> modified(f).isAfter(since)).map(Clusters::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The executor JVMs of the running application whose driver's log names it, as the workers launched them. */
  static List<ProcessHandle> executors(String appId) {
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(args -> {
      List<String> a = List.of(args);
      return a.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend") && a.contains(appId);
    }).orElse(false)).toList();
  }

  /** The application id a driver logged, once it registered with the master. */
  static Optional<String> appId(Path driverLog) {
    String log = read(driverLog);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("app-\\d{14}-\\d{4}").matcher(log);
    return m.find() ? Optional.of(m.group()) : Optional.empty();
  }

  private static Instant modified(Path f) {
    try {
      return Files.getLastModifiedTime(f).toInstant();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
