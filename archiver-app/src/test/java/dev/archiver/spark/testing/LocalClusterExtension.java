package dev.archiver.spark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** Started the way users start it: {@code bin/archiver local-cluster start}, through the CLI. */
    static Cluster start() {
      Path sparkHome = Path.of(System.getProperty("archiver.spark.home", "../.venv/spark/pyspark"))
          .toAbsolutePath().normalize();
      try {
        Path dir = Files.createTempDirectory("archiver-it-cluster");
        String out = cli("start", "--dir", dir.toString(), "--spark-home", sparkHome.toString(), "--workers",
            Integer.toString(WORKERS), "--worker-memory", "2g");
        Matcher master = Pattern.compile("spark://127\\.0\\.0\\.1:\\d+").matcher(out);
        if (!master.find() || !out.contains("with " + WORKERS + " workers")) {
          throw new IllegalStateException("local-cluster start did not report a master with " + WORKERS
              + " workers: " + out);
        }
        Cluster cluster = new Cluster(master.group(), dir, sparkHome);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-cluster-stop"));
        return cluster;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Runs {@code archiver local-cluster ARGS} in this JVM; its output, or an error with it on a non-zero exit. */
    public static String cli(String... args) {
      CapturedCli cli = new CapturedCli();
      String[] command = new String[args.length + 1];
      command[0] = "local-cluster";
      System.arraycopy(args, 0, command, 1, args.length);
      int code = cli.execute(command);
      String text = cli.out() + cli.err();
      if (code != 0) {
        throw new IllegalStateException("archiver local-cluster " + String.join(" ", args) + " exited " + code
            + ": " + text);
      }
      return text;
    }

    public Path sparkSubmit() {
      return sparkHome.resolve("bin/spark-submit");
    }

    @Override
    public void close() {
      cli("stop", "--dir", dir.toString());
    }
  }
}
