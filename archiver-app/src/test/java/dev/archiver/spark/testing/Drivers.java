package dev.archiver.spark.testing;

import dev.archiver.datagen.EventGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Archiver drivers in processes of their own, as users start them: the CLI on a JVM with Spark's classpath (what
 * {@code bin/archiver run} does), or {@code spark-submit} of the shaded jar. Output goes to a log file per run.
 */
public final class Drivers {
  private Drivers() {
  }

  /** {@code archiver run} arguments for the test events' schema, with {@code --set key=value} for each entry. */
  public static List<String> runArgs(String bootstrap, String topic, String output, String trigger,
      int maxRecordsPerBatch, Map<String, String> sets) {
    List<String> args = new ArrayList<>(List.of("run", "--bootstrap-servers", bootstrap, "--topic", topic,
        "--output", output, "--schema", EventGenerator.SCHEMA_DDL, "--event-time-column", "event_time",
        "--set", "schema.required-columns=" + String.join(",", EventGenerator.REQUIRED), "--trigger", trigger,
        "--max-records-per-batch", Integer.toString(maxRecordsPerBatch), "--set", "spark.ui.enabled=false",
        // Drivers these tests kill free their output after 4 s instead of 30 s.
        "--set", "output.lease-timeout=4s"));
    sets.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    return args;
  }

  /** The CLI on a JVM of its own with the shaded jar and Spark's classpath, plus any extra classpath entries. */
  public static Process cli(Path log, List<String> runArgs, String... extraClasspath) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(addOpens());
    String classpath = String.join(":", List.of(appJar(), String.join(":", extraClasspath), sparkClasspath()))
        .replace("::", ":");
    cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + Path.of("../bin/log4j2.properties").toAbsolutePath(),
        "-Darchiver.home=" + Path.of("..").toAbsolutePath().normalize(), "-cp", classpath,
        "dev.archiver.cli.ArchiverCli"));
    cmd.addAll(runArgs);
    return start(cmd, Map.of(), log);
  }

  /**
   * {@code spark-submit} of the shaded jar to the cluster in a deploy mode ({@code client}: the driver runs in the
   * spark-submit JVM; {@code cluster}: on a worker, spark-submit waits for it), with {@code --jars} and confs. Java 17
   * options only for a cluster-mode driver, as the README says: spark-submit's launcher gives them to a client-mode
   * driver and the SparkContext to executors, but a worker launching a driver does not.
   */
  public static Process sparkSubmit(LocalClusterExtension.Cluster cluster, String deployMode, Path log,
      List<String> jars, Map<String, String> conf, List<String> runArgs) {
    List<String> cmd = new ArrayList<>(List.of(cluster.sparkSubmit().toString(), "--master", cluster.masterUrl(),
        "--deploy-mode", deployMode, "--class", "dev.archiver.cli.ArchiverCli", "--driver-memory", "1g",
        "--conf", "spark.standalone.submit.waitAppCompletion=true"));
    if (deployMode.equals("cluster")) {
      cmd.addAll(List.of("--conf", "spark.driver.extraJavaOptions=" + String.join(" ", addOpens())));
    }
    if (!jars.isEmpty()) {
      cmd.addAll(List.of("--jars", String.join(",", jars)));
    }
    conf.forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    cmd.add(appJar());
    cmd.addAll(runArgs);
    return start(cmd, Map.of("SPARK_HOME", cluster.sparkHome().toString()), log);
  }

  /** hadoop-aws and the AWS SDK, which Spark distributions leave out: what {@code --jars} ships for s3a://. */
  public static List<String> s3aJars() {
    return Arrays.asList(System.getProperty("archiver.s3a.jars", "").split(","));
  }

  /** The jar of the test classes that run inside executors (a stalling file system, say). */
  public static String testsJar() {
    return System.getProperty("archiver.tests.jar");
  }

  private static List<String> addOpens() {
    return Arrays.stream(System.getProperty("archiver.add-opens", "").split(" ")).filter(s -> !s.isEmpty()).toList();
  }

  private static String appJar() {
    return System.getProperty("archiver.app.jar");
  }

  private static String sparkClasspath() {
    try {
      return Files.readString(Path.of(System.getProperty("archiver.spark.classpath"))).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process start(List<String> cmd, Map<String, String> env, Path log) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd.get(0), e);
    }
  }
}
