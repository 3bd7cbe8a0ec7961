package dev.archiver.spark.testing;

import dev.archiver.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server on loopback: Adobe's S3Mock, from Maven Central, in its own JVM. It keeps its objects on disk
 * (so a restart keeps them) and passes the calls S3A makes with its defaults: multi-object delete, directory markers,
 * conditional create, paged listing. Chosen over moto (in memory, loses everything on restart) and s3proxy 2.6 (hung on
 * S3A's multi-object delete, failed on directory markers).
 */
public final class S3MockServer implements AutoCloseable {
  public static final String BUCKET = "archive";
  private final Path dataDir;
  private final int port;
  private Process process;

  public S3MockServer(Path dataDir) {
    this.dataDir = dataDir;
    this.port = Ports.free();
    start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** S3A settings that reach this server; access and secret keys are dummies S3Mock ignores. */
  public Map<String, String> s3aConf(String endpoint) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.hadoop.fs.s3a.endpoint", endpoint);
    conf.put("spark.hadoop.fs.s3a.path.style.access", "true");
    conf.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    conf.put("spark.hadoop.fs.s3a.access.key", "archiver-test-access");
    conf.put("spark.hadoop.fs.s3a.secret.key", "archiver-test-secret-do-not-log");
    conf.put("spark.hadoop.fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    // Fail fast into the archiver's own batch retries instead of S3A's long default back-off.
    conf.put("spark.hadoop.fs.s3a.attempts.maximum", "2");
    conf.put("spark.hadoop.fs.s3a.retry.limit", "2");
    conf.put("spark.hadoop.fs.s3a.retry.interval", "200ms");
    conf.put("spark.hadoop.fs.s3a.connection.establish.timeout", "2000");
    conf.put("spark.hadoop.fs.s3a.connection.timeout", "10000");
    // Tests reach the same bucket through different endpoints (direct, through the outage proxy): no cached FS.
    conf.put("spark.hadoop.fs.s3a.impl.disable.cache", "true");
    return conf;
  }

  /** The same settings as a Hadoop configuration, for reading manifests in tests. */
  public org.apache.hadoop.conf.Configuration hadoopConf(String endpoint) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    s3aConf(endpoint).forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    return conf;
  }

  public void start() {
    String jar = System.getProperty("archiver.s3mock.jar", "target/s3mock/s3mock.jar");
    try {
      process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-jar", jar, "--server.port=0", "--http.port=" + port, "--server.address=127.0.0.1",
          "--com.adobe.testing.s3mock.store.root=" + dataDir,
          "--com.adobe.testing.s3mock.store.retainFilesOnExit=true",
          "--com.adobe.testing.s3mock.store.initialBuckets=" + BUCKET, "--logging.level.root=WARN"))
          .redirectErrorStream(true).redirectOutput(dataDir.resolveSibling("s3mock-" + port + ".log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start S3Mock from " + jar, e);
    }
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Mock exited with " + process.exitValue());
      }
      if (Ports.listening(port)) {
        return;
      }
      sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException("S3Mock did not listen on " + port + " within 60s");
  }

  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
