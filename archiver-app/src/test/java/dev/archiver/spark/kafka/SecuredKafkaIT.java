package dev.archiver.spark.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.Ports;
import dev.archiver.cli.ArchiverCli;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.kafka.BrokerSecurity;
import dev.archiver.spark.testing.SparkIT;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archiver against brokers run as users run them: {@code local-kafka start --security sasl-plain|sasl-scram|ssl}
 * (one broker per mode, in its own JVM), then {@code datagen}, {@code run} and {@code status} with the client
 * settings it wrote. A wrong password fails at once, naming the setting; no secret reaches a log line, the CLI's
 * output, a manifest, the checkpoint or the broker's logs.
 */
class SecuredKafkaIT extends SparkIT {
  @TempDir
  Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final StringWriter logs = new StringWriter();
  private ArchiverCli cli;
  private Appender capture;
  private Level rootLevel;

  @BeforeEach
  void captureEveryLogLine() {
    cli = new ArchiverCli(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Path.of("..").toAbsolutePath().normalize(),
        ArchiverEngine::load);
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    capture = WriterAppender.newBuilder().setName("secrets-scan").setTarget(logs)
        .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%throwable").build()).build();
    capture.start();
    LoggerConfig root = context.getConfiguration().getRootLogger();
    rootLevel = root.getLevel();
    root.setLevel(Level.INFO); // Kafka's clients log their whole config at INFO
    root.addAppender(capture, Level.ALL, null);
    context.getConfiguration().getLoggerConfig("dev.archiver").addAppender(capture, Level.ALL, null);
    context.updateLoggers();
  }

  @AfterEach
  void stopCapturing() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    LoggerConfig root = context.getConfiguration().getRootLogger();
    root.removeAppender(capture.getName());
    context.getConfiguration().getLoggerConfig("dev.archiver").removeAppender(capture.getName());
    root.setLevel(rootLevel);
    context.updateLoggers();
    capture.stop();
  }

  @ParameterizedTest
  @EnumSource(value = BrokerSecurity.class, names = {"SASL_PLAIN", "SASL_SCRAM", "SSL"})
  void archivesFromASecuredBrokerAndNoSecretLeaks(BrokerSecurity security) throws Exception {
    Path kafkaDir = dir.resolve("kafka");
    String clientConfig = kafkaDir.resolve("client.json").toString();
    String topic = "secured-" + security.flag();
    Path output = dir.resolve("archive");
    Path refused = dir.resolve("refused");
    assertThat(cli(("local-kafka start --dir " + kafkaDir + " --port " + Ports.free() + " --security "
        + security.flag()).split(" "))).as(err()).isZero();
    try {
      assertThat(out()).contains("security " + security.flag(), clientConfig);
      assertThat(cli("datagen", "--config", clientConfig, "--topic", topic, "--events", "300",
          "--malformed-ratio", "0.02")).as(err()).isZero();
      String[] archive = {"--config", clientConfig, "--topic", topic, "--schema", EventGenerator.SCHEMA_DDL,
          "--event-time-column", "event_time"};
      assertThat(cli(concat(concat(new String[] {"run", "--output", output.toString()}, archive),
          "--max-records-per-batch", "100"))).as(err()).isZero();
      assertThat(cli(concat(new String[] {"status", "--output", output.toString()}, archive))).as(err()).isZero();
      assertThat(out()).contains("total lag:           0");
      long archived = Long.parseLong(out().replaceAll("(?s).*records archived:\\s+(\\d+).*", "$1"));
      long quarantined = Long.parseLong(out().replaceAll("(?s).*records quarantined:\\s+(\\d+).*", "$1"));
      assertThat(archived + quarantined).isEqualTo(300);

      // A wrong password: the setting named, no value shown, nothing written, no retries for minutes.
      String setting = security == BrokerSecurity.SSL ? "source.kafka.ssl.keystore.password"
          : "source.kafka.sasl.jaas.config";
      String wrongPassword = "Wr0ng-" + security.flag() + "-Passw0rd";
      String wrongValue = security == BrokerSecurity.SSL ? wrongPassword
          : security.clientOptions(kafkaDir).get("sasl.jaas.config").replaceAll("password=\"[^\"]*\"",
              "password=\"" + wrongPassword + "\"");
      int before = err().length();
      assertThat(cli(concat(concat(new String[] {"run", "--output", refused.toString()}, archive), "--set",
          setting + "=" + wrongValue))).isEqualTo(1);
      String refusal = err().substring(before);
      assertThat(refusal).contains(setting).doesNotContain(wrongPassword)
          .contains(security == BrokerSecurity.SSL ? "cannot open the keystore"
              : "Kafka refused the archiver's credentials (SaslAuthenticationException");
      assertThat(refused.resolve("_archiver/manifests")).doesNotExist();

      List<String> secrets = new ArrayList<>(secrets(kafkaDir));
      secrets.add(wrongPassword);
      assertThat(secrets).allSatisfy(s -> assertThat(s).hasSizeGreaterThan(8));
      assertNoSecretIn("the log lines of the archiver, Spark and the Kafka clients", logs.toString(), secrets);
      assertNoSecretIn("the CLI's output", out() + err(), secrets);
      for (Path file : files(output, refused)) {
        assertNoSecretIn(file.toString(), Files.readString(file, StandardCharsets.ISO_8859_1), secrets);
      }
      for (String log : List.of("broker.log", "broker.out", "format.out")) {
        assertNoSecretIn(log, Files.readString(kafkaDir.resolve(log), StandardCharsets.ISO_8859_1), secrets);
      }
      assertThat(logs.toString()).as("the scan saw the clients' config").contains("ConsumerConfig values");
    } finally {
      assertThat(cli("local-kafka", "stop", "--dir", kafkaDir.toString())).isZero();
    }
  }

  private static void assertNoSecretIn(String where, String text, List<String> secrets) {
    for (String secret : secrets) {
      assertThat(text.contains(secret)).as("a secret in %s", where).isFalse();
    }
  }

  /** Every password the broker's data directory holds. */
  private static List<String> secrets(Path kafkaDir) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(kafkaDir.resolve("credentials.properties"))) {
      p.load(in);
    }
    return p.stringPropertyNames().stream().map(p::getProperty).toList();
  }

  private static List<Path> files(Path... roots) {
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(Files::isRegularFile).forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(files).as("manifests and checkpoint files to scan").anyMatch(f -> f.toString().contains("manifests"))
        .anyMatch(f -> f.toString().contains("checkpoint/offsets"));
    return files;
  }

  private int cli(String... args) {
    return cli.execute(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String[] concat(String[] a, String... b) {
    String[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }
}
