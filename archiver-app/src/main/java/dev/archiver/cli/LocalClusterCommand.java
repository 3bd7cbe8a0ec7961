package dev.archiver.cli;

import dev.archiver.local.LocalSparkCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code local-cluster start|stop|status}: a Spark standalone master and workers on loopback, each in its own JVM,
 * to run the archiver as it runs on a cluster (executors apart from the driver, task attempts, executor loss).
 */
final class LocalClusterCommand implements Command {
  @Override
  public String name() {
    return "local-cluster";
  }

  @Override
  public String summary() {
    return "start or stop a local Spark standalone cluster (a master and workers, each its own JVM)";
  }

  @Override
  public String arguments() {
    return "start|stop|status";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Flags.value("dir", "DIR", "state, logs and work directories (default .archiver/local-cluster)"))
        .addOption(Flags.value("workers", "N", "workers to start (default 2)"))
        .addOption(Flags.value("worker-cores", "N", "cores each worker offers (default 1)"))
        .addOption(Flags.value("worker-memory", "SIZE", "memory each worker offers to executors (default 2g)"))
        .addOption(Flags.value("spark-home", "DIR",
            "Spark 3.5 distribution to run (default .venv/spark/pyspark, installed by bin/setup-python spark)"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    List<String> args = line.getArgList();
    if (args.size() != 1) {
      throw new UsageException("expected one of start, stop, status");
    }
    Path dir = Flags.string(line, "dir").map(Path::of).orElse(context.localClusterDir()).toAbsolutePath();
    switch (args.get(0)) {
      case "start" -> {
        int workers = (int) Flags.longValue(line, "workers", 2);
        int cores = (int) Flags.longValue(line, "worker-cores", 1);
        if (workers < 1 || cores < 1) {
          throw new UsageException("--workers and --worker-cores must be at least 1");
        }
        LocalSparkCluster.Running cluster = LocalSparkCluster.start(new LocalSparkCluster.Settings(
            Flags.string(line, "spark-home").map(Path::of).orElse(context.sparkHome()), dir, workers, cores,
            Flags.string(line, "worker-memory").orElse("2g")), Duration.ofSeconds(120));
        print(context, cluster, dir);
      }
      case "stop" -> context.out().println(LocalSparkCluster.stop(dir, Duration.ofSeconds(30))
          ? "local Spark cluster stopped" : "local Spark cluster was not running");
      case "status" -> LocalSparkCluster.status(dir).ifPresentOrElse(c -> print(context, c, dir),
          () -> context.out().println("local Spark cluster is not running"));
      default -> throw new UsageException("unknown action '" + args.get(0) + "'; use start, stop or status");
    }
    return 0;
  }

  private static void print(CliContext context, LocalSparkCluster.Running cluster, Path dir) {
    context.out().println("local Spark cluster running at " + cluster.masterUrl() + " with " + cluster.aliveWorkers()
        + " workers (web UI " + cluster.webUrl() + ", logs in " + dir + ")");
  }
}
