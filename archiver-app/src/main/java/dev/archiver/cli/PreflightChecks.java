package dev.archiver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.ArchiverException;
import dev.archiver.InvalidInputException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.config.Durations;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.listener.AirflowListener;
import dev.archiver.vacuum.ArchiveStorage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The checks of {@code archiver doctor}, each asking the real service what a run will need from it, each bounded by
 * {@code timeout}: a check that has not answered by then fails as "no answer", and the next one starts. They reuse
 * the run's own clients (KafkaAdmin, the engine's storage and commit log, the Airflow notifier) so a pass here means
 * the run's own calls get through.
 */
final class PreflightChecks {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SPARK_MASTER = Pattern.compile("spark://(.+)");

  private final ArchiverConfig config;
  private final ArchiverEngine engine;
  private final Duration timeout;

  PreflightChecks(ArchiverConfig config, ArchiverEngine engine, Duration timeout) {
    this.config = config;
    this.engine = engine;
    this.timeout = timeout;
  }

  /**
   * Every check in order, each given at most the timeout (plus a second to wind down its client); each line goes to
   * {@code print} as soon as its check is done, so a slow service shows where the time goes.
   */
  List<CheckResult> run(Consumer<String> print) {
    List<CheckResult> results = new ArrayList<>();
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "archiver-doctor");
      t.setDaemon(true); // a check stuck past its bound must not keep the JVM alive
      return t;
    });
    Consumer<CheckResult> add = r -> {
      results.add(r);
      print.accept(r.line());
    };
    try {
      add.accept(bounded(pool, "broker", this::broker));
      add.accept(bounded(pool, "topic", this::topic));
      if (isS3(config.output().path()) || isS3(config.output().checkpoint())) {
        add.accept(bounded(pool, "s3", this::s3Credentials));
      } else {
        add.accept(CheckResult.skip("s3", "output and checkpoint are not on s3a://"));
      }
      add.accept(bounded(pool, "output", () -> writable("output", config.output().path(), "output.path")));
      add.accept(bounded(pool, "checkpoint", () -> writable("checkpoint", config.output().checkpoint(),
          "output.checkpoint")));
      add.accept(bounded(pool, "resume", this::resume));
      add.accept(bounded(pool, "spark", this::sparkMaster));
      add.accept(bounded(pool, "airflow", this::airflow));
    } finally {
      pool.shutdownNow();
    }
    return results;
  }

  private CheckResult bounded(ExecutorService pool, String name, Supplier<CheckResult> check) {
    Future<CheckResult> future = pool.submit(check::get);
    try {
      return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return CheckResult.fail(name, "no answer within " + Durations.human(timeout),
          "check that the service is up and reachable from here, or give it longer with --timeout");
    } catch (ExecutionException e) {
      return CheckResult.fail(name, "failed: " + ArchiverCli.oneLine(e.getCause()),
          "see the message; ARCHIVER_DEBUG=1 prints the stack trace");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.fail(name, "interrupted", "run doctor again");
    }
  }

  private String brokerAddress() {
    return config.source().bootstrapServers();
  }

  /** The broker answers and, when source.kafka.* configures SASL or TLS, accepts the archiver's credentials. */
  CheckResult broker() {
    String security = config.source().kafkaOptions().getOrDefault("security.protocol", "PLAINTEXT");
    try (KafkaAdmin admin = new KafkaAdmin(brokerAddress(), config.source().kafkaOptions(), timeout)) {
      int brokers = admin.brokerCount();
      String auth = security.equals("PLAINTEXT") ? "" : "; " + security
          + config.source().kafkaOptions().getOrDefault("sasl.mechanism", "").transform(m -> m.isEmpty() ? ""
              : " " + m) + " authenticated";
      return CheckResult.ok("broker", brokerAddress() + " answered (" + brokers + " broker" + (brokers == 1 ? "" : "s")
          + auth + ")");
    } catch (KafkaAdmin.NoAnswerException e) {
      return CheckResult.fail("broker", brokerAddress() + " did not answer within " + Durations.human(timeout),
          "start the broker or correct source.bootstrap-servers (host:port of a listener this host reaches)");
    } catch (InvalidInputException e) {
      return CheckResult.fail("broker", brokerAddress() + ": " + e.getMessage(),
          "correct the source.kafka.* credentials (the message names the setting)");
    } catch (RuntimeException e) {
      return CheckResult.fail("broker", brokerAddress() + ": " + ArchiverCli.oneLine(e),
          "correct source.bootstrap-servers and source.kafka.*");
    }
  }

  CheckResult topic() {
    String what = config.source().topic().map(t -> "topic " + t)
        .orElse("topic pattern " + config.source().topicPattern().orElse(""));
    try (KafkaAdmin admin = new KafkaAdmin(brokerAddress(), config.source().kafkaOptions(), timeout)) {
      Map<String, Integer> partitions = admin.partitionCounts(config.source().topic(),
          config.source().topicPattern());
      if (partitions.isEmpty()) {
        return CheckResult.fail("topic", "no topic on " + brokerAddress() + " matches " + what,
            "create the topic, or correct source.topic-pattern");
      }
      return CheckResult.ok("topic", partitions.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue()
          + " partition" + (e.getValue() == 1 ? "" : "s") + ")").collect(Collectors.joining(", ")));
    } catch (KafkaAdmin.NoAnswerException e) {
      return CheckResult.fail("topic", "cannot tell: " + brokerAddress() + " did not answer",
          "see the broker check above");
    } catch (RuntimeException e) {
      if (causedBy(e, UnknownTopicOrPartitionException.class)) {
        return CheckResult.fail("topic", what + " does not exist on " + brokerAddress(),
            "create it (e.g. kafka-topics.sh --create --topic NAME --partitions N), or correct source.topic;"
                + " a run would wait for it");
      }
      return CheckResult.fail("topic", what + ": " + ArchiverCli.oneLine(e),
          "see the broker check above; correct source.topic");
    }
  }

  /** A request S3 answers only for valid credentials and an existing bucket: a look at the archive's root. */
  CheckResult s3Credentials() {
    String root = isS3(config.output().path()) ? config.output().path() : config.output().checkpoint();
    try {
      engine.storage(config.sparkConf()).stat(root);
      return CheckResult.ok("s3", "S3 accepted the credentials for " + bucket(root));
    } catch (RuntimeException e) {
      String message = ArchiverCli.oneLine(e);
      if (message.contains("403") || message.contains("AccessDenied") || message.contains("InvalidAccessKeyId")
          || message.contains("SignatureDoesNotMatch")) {
        return CheckResult.fail("s3", "S3 refused the credentials for " + bucket(root),
            "check spark.hadoop.fs.s3a.access.key / secret.key (or fs.s3a.aws.credentials.provider) and the"
                + " bucket policy");
      }
      if (message.contains("NoSuchBucket") || message.contains("does not exist")) {
        return CheckResult.fail("s3", "bucket " + bucket(root) + " does not exist", "create the bucket, or"
            + " correct output.path / output.checkpoint");
      }
      return CheckResult.fail("s3", "cannot reach S3 for " + bucket(root) + ": " + message,
          "check spark.hadoop.fs.s3a.endpoint (and path.style.access for a non-AWS store)");
    }
  }

  /** A probe object written, read back and deleted where the run writes (local or s3a alike). */
  CheckResult writable(String check, String root, String key) {
    ArchiveStorage storage = engine.storage(config.sparkConf());
    // Directly under the root (no directory left behind), hidden from table scans by its leading underscore.
    String probe = root.replaceAll("/+$", "") + "/_doctor-probe-" + UUID.randomUUID() + ".txt";
    try {
      storage.write(probe, "archiver doctor probe; safe to delete\n");
    } catch (RuntimeException e) {
      return CheckResult.fail(check, "cannot write under " + root + ": " + ArchiverCli.oneLine(e),
          "give the archiver's user write access there, or correct " + key);
    }
    try {
      if (storage.read(probe).isEmpty()) {
        return CheckResult.fail(check, "a probe written under " + root + " cannot be read back",
            "check the storage's consistency settings and " + key);
      }
      storage.delete(probe);
      return CheckResult.ok(check, root + " is writable (probe written, read and deleted)");
    } catch (RuntimeException e) {
      return CheckResult.fail(check, "a probe under " + root + " cannot be read or deleted: "
          + ArchiverCli.oneLine(e), "the run needs to delete too (retries, vacuum): grant delete on " + key
          + "; remove " + probe + " by hand");
    }
  }

  /**
   * Whether the run would resume the archive: the checkpoint belongs to the archive's query (Spark's query id in
   * {@code <checkpoint>/metadata} is the one the manifests record), reads the configured topics, and the schema
   * change since the last batch is one the job accepts (the engine's own start-up check).
   */
  CheckResult resume() {
    String checkpoint = config.output().checkpoint().replaceAll("/+$", "");
    ArchiveStorage storage = engine.storage(config.sparkConf());
    Optional<CommitManifest> last = engine.commitLog(config.output().path(), config.sparkConf()).latest();
    Optional<String> queryId = storage.read(checkpoint + "/metadata").flatMap(PreflightChecks::queryId);
    if (last.isEmpty() && queryId.isEmpty()) {
      return CheckResult.ok("resume", "a new archive: no manifests, no checkpoint yet");
    }
    if (last.isPresent() && queryId.isPresent() && !last.get().queryId().equals(queryId.get())) {
      return CheckResult.fail("resume", "the checkpoint " + checkpoint + " is query " + queryId.get()
          + ", the archive's last batch " + last.get().batchId() + " was written by query " + last.get().queryId(),
          "output.checkpoint and output.path belong to different archives: pair each output.path with its own"
              + " checkpoint");
    }
    if (last.isPresent() && queryId.isEmpty()) {
      return CheckResult.fail("resume", "the archive has batches up to " + last.get().batchId() + " but "
          + checkpoint + " holds no checkpoint", "restore the checkpoint, or archive to a new output.path: a new"
          + " query would start from source.starting-offsets");
    }
    Set<String> read = checkpointTopics(storage, checkpoint);
    Set<String> mismatched = new TreeSet<>();
    for (String topic : read) {
      boolean configured = config.source().topic()
          .map(t -> Set.of(t.split(",")).stream().map(String::trim).anyMatch(topic::equals))
          .orElseGet(() -> Pattern.compile(config.source().topicPattern().orElse("")).matcher(topic).matches());
      if (!configured) {
        mismatched.add(topic);
      }
    }
    if (!mismatched.isEmpty()) {
      return CheckResult.fail("resume", "the checkpoint reads " + String.join(", ", read) + ", not all of which "
          + "the config names (" + String.join(", ", mismatched) + ")", "a checkpoint is for one source: restore"
          + " source.topic, or archive the new source to a new output.path and output.checkpoint");
    }
    List<ConfigError> schema = engine.resumeErrors(config, last);
    if (!schema.isEmpty()) {
      return CheckResult.fail("resume", schema.stream().map(ConfigError::toString)
          .collect(Collectors.joining("; ")), "restore the column, or allow the change with"
          + " schema.allow-incompatible-change: true (--allow-schema-change) if it is meant");
    }
    return CheckResult.ok("resume", "checkpoint query " + queryId.orElse("?")
        + last.map(m -> " matches the manifests (last batch " + m.batchId() + ")").orElse(", no batch committed")
        + (read.isEmpty() ? "" : "; reads " + String.join(", ", read)) + "; schema compatible");
  }

  /** The topics in Spark's latest offset file, {@code offsets/<n>}: the source the checkpoint resumes. */
  private static Set<String> checkpointTopics(ArchiveStorage storage, String checkpoint) {
    Optional<String> latest = storage.list(checkpoint + "/offsets").stream().map(ArchiveStorage.StoredFile::uri)
        .filter(u -> u.matches(".*/offsets/\\d+")).max(Comparator.comparingLong(
            u -> Long.parseLong(u.substring(u.lastIndexOf('/') + 1))));
    Set<String> topics = new TreeSet<>();
    latest.flatMap(storage::read).ifPresent(text -> {
      List<String> lines = text.lines().map(String::trim).filter(l -> l.startsWith("{")).toList();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).contains("\"batchWatermarkMs\"")) {
          try {
            JSON.readTree(lines.get(i)).fieldNames().forEachRemaining(topics::add);
          } catch (IOException e) {
            throw new ArchiverException("cannot read Spark's offset log " + latest.get() + ": " + e.getMessage(), e);
          }
          return;
        }
      }
    });
    return topics;
  }

  private static Optional<String> queryId(String metadata) {
    try {
      JsonNode id = JSON.readTree(metadata).get("id");
      return Optional.ofNullable(id).map(JsonNode::asText);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** spark.master: spark://host:port (several for a standby master) each reached; anything else needs nothing. */
  CheckResult sparkMaster() {
    String master = config.sparkConf().getOrDefault("spark.master", "local[*]");
    var m = SPARK_MASTER.matcher(master);
    if (!m.matches()) {
      return CheckResult.skip("spark", "spark.master is " + master + " (nothing to reach; spark-submit's --master"
          + " wins when given)");
    }
    List<String> down = new ArrayList<>();
    for (String hostPort : m.group(1).split(",")) {
      URI uri = URI.create("spark://" + hostPort.trim());
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 7077 : uri.getPort()),
            (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      } catch (IOException e) {
        down.add(hostPort.trim() + " (" + e.getMessage() + ")");
      }
    }
    if (!down.isEmpty()) {
      return CheckResult.fail("spark", "no Spark master at " + String.join(", ", down),
          "start the master (sbin/start-master.sh, or bin/archiver local-cluster start) or correct spark.master");
    }
    return CheckResult.ok("spark", master + " accepts connections");
  }

  CheckResult airflow() {
    Optional<ArchiverConfig.Airflow> airflow = config.notifications().airflow();
    if (airflow.isEmpty()) {
      return CheckResult.skip("airflow", "notify.airflow.url not set");
    }
    ArchiverConfig.Airflow a = airflow.get();
    AirflowListener client = AirflowListener.create(new AirflowListener.Target(URI.create(a.url()), a.dagId(),
        a.token(), a.username(), a.password()), config.output().manifests());
    try {
      return CheckResult.ok("airflow", a.url() + ": " + client.check());
    } catch (IllegalStateException e) {
      return CheckResult.fail("airflow", e.getMessage(), e.getMessage().contains("cannot reach")
          ? "start Airflow's API server or correct notify.airflow.url" : "see the message");
    }
  }

  private static boolean isS3(String path) {
    return path.startsWith("s3a://") || path.startsWith("s3://") || path.startsWith("s3n://");
  }

  private static String bucket(String uri) {
    URI u = URI.create(uri);
    return u.getScheme() + "://" + u.getAuthority();
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
