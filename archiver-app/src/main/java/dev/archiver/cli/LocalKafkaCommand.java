package dev.archiver.cli;

import dev.archiver.kafka.BrokerSecurity;
import dev.archiver.kafka.LocalKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code local-kafka start|stop|status}: a real single-node KRaft broker on loopback for demos and trials. */
final class LocalKafkaCommand implements Command {
  @Override
  public String name() {
    return "local-kafka";
  }

  @Override
  public String summary() {
    return "start or stop a local single-node KRaft Kafka broker (its own JVM)";
  }

  @Override
  public String arguments() {
    return "start|stop|status";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Flags.value("port", "PORT", "listener port (default 9092)"))
        .addOption(Flags.value("dir", "DIR", "data directory (default .archiver/local-kafka)"))
        .addOption(Flags.value("partitions", "P", "default partitions of new topics (default 4)"))
        .addOption(Flags.value("security", "MODE", "none (default), sasl-plain, sasl-scram (SASL_PLAINTEXT with"
            + " PLAIN or SCRAM-SHA-512 users) or ssl (TLS with client certificates); credentials and key stores are"
            + " generated, and the archiver's client settings written to DIR/client.json for --config"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    List<String> args = line.getArgList();
    if (args.size() != 1) {
      throw new UsageException("expected one of start, stop, status");
    }
    Path dir = Flags.string(line, "dir").map(Path::of).orElse(context.localKafkaDir());
    switch (args.get(0)) {
      case "start" -> {
        String mode = Flags.string(line, "security").orElse("none");
        BrokerSecurity security = BrokerSecurity.of(mode).orElseThrow(() -> new UsageException("--security: '"
            + mode + "' is not one of none, sasl-plain, sasl-scram, ssl"));
        LocalKafka.Settings settings = new LocalKafka.Settings(context.brokerClasspath(), dir,
            (int) Flags.longValue(line, "port", 9092), 0, (int) Flags.longValue(line, "partitions", 4), security);
        String servers = LocalKafka.startDetached(settings, Duration.ofSeconds(60));
        context.out().println("local Kafka running at " + servers + " (data in " + dir + ", security "
            + LocalKafka.security(dir).flag() + ")");
        if (LocalKafka.security(dir) != BrokerSecurity.NONE) {
          // The secrets stay in files only their owner reads; never on the terminal.
          context.out().println("client settings of user '" + BrokerSecurity.CLIENT_USER + "' (secrets, readable"
              + " only by you): " + LocalKafka.clientConfig(dir) + " for --config, e.g. bin/archiver datagen --config "
              + LocalKafka.clientConfig(dir) + " --topic events --events 1000");
        }
      }
      case "stop" -> context.out().println(LocalKafka.stopDetached(dir, Duration.ofSeconds(30))
          ? "local Kafka stopped" : "local Kafka was not running");
      case "status" -> context.out().println(LocalKafka.runningDetached(dir)
          .map(s -> "local Kafka running at " + s + " (security " + LocalKafka.security(dir).flag() + ")")
          .orElse("local Kafka is not running"));
      default -> throw new UsageException("unknown action '" + args.get(0) + "'; use start, stop or status");
    }
    return 0;
  }
}
