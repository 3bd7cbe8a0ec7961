package dev.archiver.spark.testing;

import dev.archiver.local.LocalSparkCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects one real Spark standalone cluster shared by every cluster test of the run: a master and two workers of one
 * core each, each in its own JVM, from the Spark distribution the project installs (bin/setup-python spark). It
 * stops when the run ends. A test that kills a worker starts it again before it returns.
 */
public final class LocalClusterExtension implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Cluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Cluster.class, k -> Cluster.start(), Cluster.class);
  }

  /** The running cluster: its master URL, its directory (logs, work dirs), and the Spark distribution it runs. */
  public record Cluster(String masterUrl, Path dir, Path sparkHome) implements ExtensionContext.Store.CloseableResource {
    public static final int WORKERS = 2;

    static Cluster start() {
      Path sparkHome = Path.of(System.getProperty("archiver.spark.home", "../.venv/spark/pyspark"))
          .toAbsolutePath().normalize();
      try {
        Path dir = Files.createTempDirectory("archiver-it-cluster");
        String master = LocalSparkCluster.start(new LocalSparkCluster.Settings(sparkHome, dir, WORKERS, 1, "2g"),
            Duration.ofSeconds(120)).masterUrl();
        Cluster cluster = new Cluster(master, dir, sparkHome);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-cluster-stop"));
        return cluster;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public Path sparkSubmit() {
      return sparkHome.resolve("bin/spark-submit");
    }

    @Override
    public void close() {
      LocalSparkCluster.stop(dir, Duration.ofSeconds(20));
    }
  }
}
