package dev.archiver.cli;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.kafka.KafkaAdmin;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code datagen}: realistic JSON log events, some malformed, with an optional traffic spike. */
final class DatagenCommand implements Command {
  @Override
  public String name() {
    return "datagen";
  }

  @Override
  public String summary() {
    return "produce realistic JSON log events (with malformed ones and spikes) to a topic";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Flags.value("bootstrap-servers", "HOST:PORT", "Kafka bootstrap servers (default localhost:9092)"))
        .addOption(Flags.value("topic", "TOPIC", "topic to write to (required)"))
        .addOption(Flags.value("events", "N", "number of events (required)"))
        .addOption(Flags.value("rate", "R", "events per second; 0 = as fast as possible (default 0)"))
        .addOption(Flags.value("malformed-ratio", "F", "share of malformed events, 0..1 (default 0)"))
        .addOption(Flags.value("spike-at", "N", "the event where a spike starts (default: no spike)"))
        .addOption(Flags.value("spike-factor", "K", "how many times faster events come during the spike (default 10)"))
        .addOption(Flags.value("spike-events", "M", "how many events the spike lasts (default events/10)"))
        .addOption(Flags.value("second-version-at", "N", "from event N on, send the events' second version, with"
            + " fields region, retry_count and client that the demo's schema does not declare (default: never)"))
        .addOption(Flags.value("partitions", "P", "partitions when the topic is created (default 4)"))
        .addOption(Flags.value("seed", "S", "random seed (default 42)"))
        .addOption(Flags.value("config", "FILE", "an archiver config whose source.bootstrap-servers and"
            + " source.kafka.* (a secured broker's settings, e.g. the local broker's client.json) are used"))
        .addOption(Option.builder().longOpt("set").hasArgs().argName("KEY=VALUE")
            .desc("sets a config key, e.g. source.kafka.security.protocol=SSL; repeatable").build());
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    ArchiverConfig.Source source = ConfigFlags.loadSource(line);
    long events = Flags.longValue(line, "events", -1);
    if (events <= 0) {
      throw new UsageException("--events is required and must be > 0");
    }
    double ratio = Flags.doubleValue(line, "malformed-ratio", 0);
    if (ratio < 0 || ratio > 1) {
      throw new UsageException("--malformed-ratio must be between 0 and 1, got " + ratio);
    }
    double factor = Flags.doubleValue(line, "spike-factor", 10);
    if (factor < 1) {
      throw new UsageException("--spike-factor must be >= 1, got " + factor);
    }
    double rate = Flags.doubleValue(line, "rate", 0);
    if (rate < 0) {
      throw new UsageException("--rate must be >= 0, got " + rate);
    }
    DataGenerator.Plan plan = new DataGenerator.Plan(Flags.required(line, "topic"), events, rate, ratio,
        Flags.longValue(line, "spike-at", -1), factor, Flags.longValue(line, "spike-events", events / 10),
        Flags.longValue(line, "seed", 42), Flags.longValue(line, "second-version-at", -1));
    DataGenerator.Result result = generate(source.bootstrapServers(), source.kafkaOptions(), plan,
        (int) Flags.longValue(line, "partitions", 4));
    context.out().printf("datagen: sent %d events (%d malformed) to %s in %.1fs%n", result.sent(),
        result.malformed(), plan.topic(), result.seconds());
    return 0;
  }

  static DataGenerator.Result generate(String bootstrap, DataGenerator.Plan plan, int partitions) {
    return generate(bootstrap, Map.of(), plan, partitions);
  }

  static DataGenerator.Result generate(String bootstrap, Map<String, String> kafkaOptions, DataGenerator.Plan plan,
      int partitions) {
    try (KafkaAdmin admin = new KafkaAdmin(bootstrap, kafkaOptions)) {
      admin.createTopic(plan.topic(), partitions);
    }
    return new DataGenerator(bootstrap, kafkaOptions).run(plan);
  }
}
