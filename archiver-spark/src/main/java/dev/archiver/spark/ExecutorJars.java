package dev.archiver.spark;

import dev.archiver.config.ArchiverConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;

/**
 * The jars executors need beside a Spark distribution, added to {@code spark.jars} when the driver runs outside
 * {@code spark-submit} (e.g. {@code bin/archiver run --set spark.master=spark://...}): the archiver's own jar (its
 * Kafka source and Parquet writers run in the executors) and, when a root is on S3, the S3A connector and the AWS SDK,
 * which Spark distributions leave out. Under spark-submit the application jar is shipped already and the rest comes
 * from {@code --jars}/{@code --packages}; jars already listed (by file name) are not added twice. Local masters run
 * the executors in the driver's JVM and need nothing.
 */
final class ExecutorJars {
  /** Classes whose jars the S3A file system needs on executors. */
  private static final List<String> S3A = List.of("org.apache.hadoop.fs.s3a.S3AFileSystem",
      "com.amazonaws.services.s3.AmazonS3");

  private ExecutorJars() {
  }

  static void addTo(SparkConf conf, ArchiverConfig config) {
    if (conf.get("spark.master", "local").startsWith("local")) {
      return;
    }
    List<String> listed = new ArrayList<>(Arrays.stream(conf.get("spark.jars", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList());
    Set<String> names = new LinkedHashSet<>(listed.stream().map(ExecutorJars::fileName).toList());
    Set<String> wanted = new LinkedHashSet<>();
    jarOf(SparkArchiverEngine.class.getName()).ifPresent(wanted::add);
    if (onS3(config)) {
      S3A.forEach(c -> jarOf(c).ifPresent(wanted::add));
    }
    wanted.stream().filter(jar -> names.add(fileName(jar))).forEach(listed::add);
    if (!listed.isEmpty()) {
      conf.set("spark.jars", String.join(",", listed));
    }
  }

  private static boolean onS3(ArchiverConfig config) {
    return Stream.of(config.output().path(), config.output().quarantine(), config.output().checkpoint())
        .anyMatch(p -> p.startsWith("s3a:") || p.startsWith("s3:"));
  }

  /** The jar a class was loaded from; empty for classes from a directory (an IDE run) or not on the classpath. */
  static Optional<String> jarOf(String className) {
    try {
      CodeSource source = Class.forName(className, false, ExecutorJars.class.getClassLoader())
          .getProtectionDomain().getCodeSource();
      if (source == null) {
        return Optional.empty();
      }
      Path path = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(path) ? Optional.of(path.toString()) : Optional.empty();
    } catch (ClassNotFoundException | URISyntaxException | LinkageError e) {
      return Optional.empty();
    }
  }

  private static String fileName(String jar) {
    return jar.substring(jar.lastIndexOf('/') + 1);
  }
}
