package dev.archiver.spark.cluster;

import dev.archiver.spark.testing.LocalClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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

  /** The executor JVMs running on the cluster's workers (the cluster runs one test's application at a time). */
  static List<ProcessHandle> executors(LocalClusterExtension.Cluster cluster) {
    String sparkHome = cluster.sparkHome().toString();
    return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(List::of)
        .filter(a -> a.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend"))
        .map(a -> p.info().commandLine().orElse("").contains(sparkHome)).orElse(false)).toList();
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
