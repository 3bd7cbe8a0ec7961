package dev.archiver.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.ArchiverException;
import dev.archiver.Ports;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A Spark standalone cluster on loopback: one master and N workers, each in its own JVM, started with
 * {@code bin/spark-class} of a Spark distribution (the project installs Spark 3.5.7 from PyPI's pyspark, which ships
 * {@code bin/spark-class} and {@code jars/} but not {@code sbin/}). Everything lives under one directory: the ports
 * in {@code cluster.properties}, pid files, one log per daemon, and each worker's work directory (executor logs).
 * The daemons outlive the JVM that started them; {@link #stop} ends them through their pid files.
 */
public final class LocalSparkCluster {
  private static final String STATE = "cluster.properties";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param sparkHome a Spark distribution: {@code bin/spark-class} and {@code jars/}; workers launch executors from it
   * @param workerMemory memory a worker offers to executors (and drivers in cluster deploy mode), e.g. {@code 2g}
   */
  public record Settings(Path sparkHome, Path dir, int workers, int workerCores, String workerMemory) {
    public Settings {
      if (workers < 1 || workerCores < 1) {
        throw new IllegalArgumentException("a local cluster needs at least one worker with one core");
      }
    }
  }

  /** A running cluster: where to submit ({@code spark://127.0.0.1:PORT}) and the master's web UI. */
  public record Running(String masterUrl, String webUrl, int aliveWorkers) {
  }

  private LocalSparkCluster() {
  }

  /** Starts the master and workers unless they run; returns once every worker registered with the master. */
  public static Running start(Settings s, Duration timeout) {
    Optional<Running> running = status(s.dir());
    if (running.isPresent() && running.get().aliveWorkers() >= s.workers()) {
      return running.get();
    }
    stop(s.dir(), Duration.ofSeconds(20)); // a half-started or half-dead cluster starts over
    Path sparkClass = s.sparkHome().resolve("bin/spark-class");
    if (!Files.isRegularFile(sparkClass) || !Files.isDirectory(s.sparkHome().resolve("jars"))) {
      throw new ArchiverException("no Spark distribution at " + s.sparkHome() + " (bin/spark-class and jars/); "
          + "bin/setup-python spark installs Spark 3.5.7 into .venv/spark/pyspark, or pass --spark-home");
    }
    Properties state = new Properties();
    state.setProperty("spark.home", s.sparkHome().toAbsolutePath().toString());
    state.setProperty("master.port", Integer.toString(Ports.free()));
    state.setProperty("master.web-port", Integer.toString(Ports.free()));
    state.setProperty("workers", Integer.toString(s.workers()));
    state.setProperty("worker.cores", Integer.toString(s.workerCores()));
    state.setProperty("worker.memory", s.workerMemory());
    writeState(s.dir(), state);

    Process master = Daemon.launch(List.of(sparkClass.toString(), "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", state.getProperty("master.port"),
        "--webui-port", state.getProperty("master.web-port")), env(s.dir(), state), s.dir().resolve("master.log"));
    Daemon.writePid(s.dir().resolve("master.pid"), master.toHandle());
    Daemon.await("the Spark master", timeout, s.dir().resolve("master.log"), master,
        () -> masterJson(state).isPresent());
    for (int i = 1; i <= s.workers(); i++) {
      startWorker(s.dir(), i, timeout);
    }
    return status(s.dir()).orElseThrow();
  }

  /** Starts worker {@code i} (1-based) again, e.g. after a test killed it; returns once it registered. */
  public static void startWorker(Path dir, int i, Duration timeout) {
    Properties state = readState(dir).orElseThrow(() -> new ArchiverException("no local cluster under " + dir));
    int port = Ports.free();
    // Each worker is a host of its own (127.0.0.2, 127.0.0.3, ...: all loopback), as on a cluster: Spark never runs
    // a speculative copy of a task on the host of the original, and excludes failing executors per host.
    String host = "127.0.0." + (i + 1);
    Map<String, String> env = new java.util.HashMap<>(env(dir, state));
    env.put("SPARK_LOCAL_IP", host);
    env.put("SPARK_PUBLIC_DNS", host);
    Path log = dir.resolve("worker-" + i + ".log");
    Process worker = Daemon.launch(List.of(Path.of(state.getProperty("spark.home"), "bin/spark-class").toString(),
        "org.apache.spark.deploy.worker.Worker", "--host", host, "--port", Integer.toString(port),
        "--webui-port", Integer.toString(Ports.free()), "--cores", state.getProperty("worker.cores"),
        "--memory", state.getProperty("worker.memory"), "--work-dir", dir.resolve("work/worker-" + i).toString(),
        masterUrl(state)), env, log);
    Daemon.writePid(dir.resolve("worker-" + i + ".pid"), worker.toHandle());
    Daemon.await("Spark worker " + i, timeout, log, worker, () -> masterJson(state)
        .map(m -> workerAlive(m, port)).orElse(false));
  }

  /** The process of worker {@code i}, to kill it in a fault test. */
  public static Optional<ProcessHandle> worker(Path dir, int i) {
    return Daemon.running(dir.resolve("worker-" + i + ".pid"));
  }

  /** The running cluster under {@code dir}, as its master sees it; empty when the master does not answer. */
  public static Optional<Running> status(Path dir) {
    Optional<Properties> state = readState(dir).filter(p -> Daemon.running(dir.resolve("master.pid")).isPresent());
    return state.flatMap(p -> masterJson(p).map(m -> new Running(masterUrl(p), webUrl(p),
        m.path("aliveworkers").asInt())));
  }

  /** Stops the workers (which stop their executors), then the master; false when nothing ran. */
  public static boolean stop(Path dir, Duration timeout) {
    int workers = readState(dir).map(p -> Integer.parseInt(p.getProperty("workers"))).orElse(0);
    boolean any = false;
    for (int i = 1; i <= workers; i++) {
      any |= Daemon.stop(dir.resolve("worker-" + i + ".pid"), timeout);
    }
    any |= Daemon.stop(dir.resolve("master.pid"), timeout);
    return any;
  }

  private static Map<String, String> env(Path dir, Properties state) {
    return Map.of("SPARK_HOME", state.getProperty("spark.home"),
        // Bind every daemon and its UI to loopback, not to the host's first interface.
        "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_PUBLIC_DNS", "127.0.0.1",
        "SPARK_LOG_DIR", dir.toAbsolutePath().toString(),
        "SPARK_DAEMON_MEMORY", "384m",
        // A killed worker is declared dead after 15 s instead of 60 s, so its executors are replaced sooner.
        "SPARK_MASTER_OPTS", "-Dspark.worker.timeout=15",
        // Executors' work directories (and their logs) are removed 1 h after their application ends.
        "SPARK_WORKER_OPTS", "-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.appDataTtl=3600");
  }

  private static String masterUrl(Properties state) {
    return "spark://127.0.0.1:" + state.getProperty("master.port");
  }

  private static String webUrl(Properties state) {
    return "http://127.0.0.1:" + state.getProperty("master.web-port");
  }

  private static boolean workerAlive(JsonNode master, int port) {
    for (JsonNode w : master.path("workers")) {
      if (w.path("port").asInt() == port && "ALIVE".equals(w.path("state").asText())) {
        return true;
      }
    }
    return false;
  }

  /** The master's view of the cluster, from the JSON its web UI serves; empty when it does not answer. */
  private static Optional<JsonNode> masterJson(Properties state) {
    try {
      HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2)).build()
          .send(HttpRequest.newBuilder(URI.create(webUrl(state) + "/json/")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static Optional<Properties> readState(Path dir) {
    Path file = dir.resolve(STATE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(Daemon.read(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(p);
  }

  private static void writeState(Path dir, Properties state) {
    StringWriter text = new StringWriter();
    try {
      state.store(text, "local Spark cluster (bin/archiver local-cluster)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Daemon.write(dir.resolve(STATE), text.toString());
  }
}
