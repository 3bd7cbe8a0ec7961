package dev.archiver.kafka;

import dev.archiver.ArchiverException;
import dev.archiver.Ports;
import dev.archiver.local.Daemon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A real single-node KRaft Kafka broker in its own JVM, on loopback, with its data under one directory. Its classpath
 * comes from Maven Central ({@code bin/local-kafka/pom.xml} writes it to {@code target/broker.classpath}) and never
 * mixes with Spark's, whose kafka-clients and Jackson clash with a broker's.
 *
 * <p>{@link #start} ties the broker to this JVM: {@link #close()} and a shutdown hook end it. {@link #startDetached}
 * leaves it running for {@code bin/archiver local-kafka stop} to end through its pid file.
 */
public final class LocalKafka implements AutoCloseable {
  private static final String PID_FILE = "broker.pid";
  private static final String PORT_FILE = "broker.port";
  private static final String SECURITY_FILE = "broker.security";

  private final Process process;
  private final int port;
  private final Settings settings;
  private final Thread shutdownHook;

  /**
   * Where the broker lives, which ports it takes (0: pick a free one), and how clients authenticate; a data
   * directory keeps the security mode it was first started with.
   */
  public record Settings(Path classpathFile, Path dataDir, int port, int controllerPort, int defaultPartitions,
      BrokerSecurity security) {
    public Settings(Path classpathFile, Path dataDir, int port, int controllerPort, int defaultPartitions) {
      this(classpathFile, dataDir, port, controllerPort, defaultPartitions, BrokerSecurity.NONE);
    }

    public Settings withFreePorts() {
      return new Settings(classpathFile, dataDir, port == 0 ? Ports.free() : port,
          controllerPort == 0 ? Ports.free() : controllerPort, defaultPartitions, security);
    }
  }

  private LocalKafka(Process process, Settings settings, boolean attached) {
    this.process = process;
    this.port = settings.port();
    this.settings = settings;
    this.shutdownHook = attached ? new Thread(this::stopProcess, "local-kafka-stop") : null;
    if (attached) {
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  public static LocalKafka start(Settings settings, Duration timeout) {
    Settings s = settings.withFreePorts();
    return new LocalKafka(launch(s, timeout), s, true);
  }

  /** Starts a broker that outlives this JVM; returns its bootstrap servers. */
  public static String startDetached(Settings settings, Duration timeout) {
    Optional<String> running = runningDetached(settings.dataDir());
    if (running.isPresent()) {
      return running.get();
    }
    Settings s = settings.withFreePorts();
    Process p = launch(s, timeout);
    Daemon.writePid(s.dataDir().resolve(PID_FILE), p.toHandle());
    write(s.dataDir().resolve(PORT_FILE), Integer.toString(s.port()));
    return "127.0.0.1:" + s.port();
  }

  /** The bootstrap servers of the detached broker under {@code dataDir}, if it runs. */
  public static Optional<String> runningDetached(Path dataDir) {
    return Daemon.running(dataDir.resolve(PID_FILE)).map(h -> "127.0.0.1:" + read(dataDir.resolve(PORT_FILE)).trim());
  }

  /** Stops the detached broker under {@code dataDir}; false when none was running. */
  public static boolean stopDetached(Path dataDir, Duration timeout) {
    return Daemon.stop(dataDir.resolve(PID_FILE), timeout);
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The Kafka client settings ({@code source.kafka.*} without the prefix) of the archiver's user. */
  public Map<String, String> clientOptions() {
    return settings.security().clientOptions(settings.dataDir().toAbsolutePath());
  }

  /** The archiver config file with the bootstrap servers and client settings, for {@code --config}. */
  public static Path clientConfig(Path dataDir) {
    return dataDir.resolve(BrokerSecurity.CLIENT_JSON);
  }

  /** The security mode the broker under {@code dataDir} was set up with. */
  public static BrokerSecurity security(Path dataDir) {
    Path file = dataDir.resolve(SECURITY_FILE);
    return Files.exists(file) ? BrokerSecurity.of(read(file).trim()).orElse(BrokerSecurity.NONE)
        : BrokerSecurity.NONE;
  }

  @Override
  public void close() {
    stopProcess();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // already shutting down: the hook runs stopProcess itself
      }
    }
  }

  private void stopProcess() {
    Daemon.terminate(process.toHandle(), Duration.ofSeconds(20));
  }

  private static Process launch(Settings s, Duration timeout) {
    String classpath = classpath(s.classpathFile());
    Path dir = s.dataDir().toAbsolutePath();
    Path props = dir.resolve("server.properties");
    Path log4j = dir.resolve("log4j.properties");
    try {
      Files.createDirectories(dir);
      boolean formatted = Files.exists(dir.resolve("logs/meta.properties"));
      if (formatted && security(dir) != s.security()) {
        throw new ArchiverException("the local broker in " + dir + " was set up with --security "
            + security(dir).flag() + ", not " + s.security().flag() + "; use that, another --dir, or delete " + dir);
      }
      s.security().prepare(dir, "127.0.0.1:" + s.port());
      Files.writeString(dir.resolve(SECURITY_FILE), s.security().flag() + "\n");
      // Holds the broker's own secrets with security on: readable by its owner only.
      Files.deleteIfExists(props);
      Files.createFile(props, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(props, serverProperties(s, dir));
      Files.writeString(log4j, "log4j.rootLogger=INFO, file\n"
          + "log4j.appender.file=org.apache.log4j.FileAppender\n"
          + "log4j.appender.file.File=" + dir.resolve("broker.log") + "\n"
          + "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
          + "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
      if (!formatted) {
        List<String> format = new ArrayList<>(List.of("format", "-t", clusterId(), "-c", props.toString()));
        format.addAll(s.security().formatArguments(dir));
        int rc = java(classpath, log4j, dir.resolve("format.out"), "kafka.tools.StorageTool",
            format.toArray(String[]::new)).waitFor();
        if (rc != 0) {
          throw new ArchiverException("formatting the local Kafka log dir failed (exit " + rc + "): "
              + tail(dir.resolve("format.out")));
        }
      }
      Process broker = java(classpath, log4j, dir.resolve("broker.out"), "kafka.Kafka", props.toString());
      awaitReady(broker, s.port(), dir, timeout);
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the local Kafka broker in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiverException("interrupted while starting the local Kafka broker", e);
    }
  }

  private static Process java(String classpath, Path log4j, Path out, String mainClass, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        "-Dlog4j.configuration=file:" + log4j, "-cp", classpath, mainClass));
    cmd.addAll(List.of(args));
    return Daemon.launch(cmd, Map.of(), out);
  }

  private static void awaitReady(Process broker, int port, Path dir, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!broker.isAlive()) {
        throw new ArchiverException("the local Kafka broker exited with " + broker.exitValue() + ": "
            + tail(dir.resolve("broker.out")) + " (full log: " + dir.resolve("broker.log") + ")");
      }
      if (Ports.listening(port) && Files.exists(dir.resolve("broker.log"))
          && read(dir.resolve("broker.log")).contains("Kafka Server started")) {
        return;
      }
      Thread.sleep(200);
    }
    Daemon.terminate(broker.toHandle(), Duration.ofSeconds(10));
    throw new ArchiverException("the local Kafka broker did not start within " + timeout.toSeconds() + "s; see "
        + dir.resolve("broker.log"));
  }

  private static String serverProperties(Settings s, Path dir) {
    Map<String, String> p = new java.util.LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + s.controllerPort());
    p.put("controller.listener.names", "CONTROLLER");
    p.putAll(s.security().brokerProperties(dir, s.port(), s.controllerPort()));
    p.put("log.dirs", dir.resolve("logs").toString());
    p.put("num.partitions", Integer.toString(s.defaultPartitions()));
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    StringBuilder sb = new StringBuilder();
    p.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return sb.toString();
  }

  private static String classpath(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ArchiverException("the local Kafka classpath " + file + " is missing; build it with"
          + " 'mvn -q -f bin/local-kafka/pom.xml generate-resources' (bin/archiver does this on first use)");
    }
    return read(file).trim();
  }

  /** A Kafka cluster id (URL-safe base64 of 16 bytes) that does not start with '-', which the tool reads as a flag. */
  private static String clusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer b = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
          .putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  private static String tail(Path file) {
    return Daemon.tail(file, 5);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
