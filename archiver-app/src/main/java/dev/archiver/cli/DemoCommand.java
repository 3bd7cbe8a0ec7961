package dev.archiver.cli;

import static dev.archiver.config.ArchiverConfigKeys.*;

import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigLoader;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.local.LocalSparkCluster;
import dev.archiver.listener.CommitListeners;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code demo}: the whole product on one machine. Starts a local broker, produces events with a spike and 1%
 * malformed ones, archives them with {@code available-now} to a local directory and prints what landed where.
 */
final class DemoCommand implements Command {
  static final String TOPIC_NAME = "demo-events";

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String summary() {
    return "start a local broker, generate events, archive them to ./demo-output and print a summary";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Flags.value("events", "N", "events to generate (default 50000)"))
        .addOption(Flags.value("output", "DIR", "archive directory, emptied first (default ./demo-output)"))
        .addOption(Flags.value("max-records-per-batch", "N", "intake limit per batch (default 10000)"))
        .addOption(Flags.flag("schema-change", "halfway, the producer adds fields (datagen --second-version-at):"
            + " the demo shows them kept in _extra, suggested as columns, and after a config change and a restart"
            + " archived as columns"))
        .addOption(Flags.flag("no-dbt", "archive only; skip the dbt run after each batch"))
        .addOption(Flags.flag("cluster", "run the executors on the local Spark cluster (local-cluster start, kept"
            + " running) instead of in the driver's JVM"));
  }

  @Override
  public int run(CommandLine line, CliContext context) throws IOException {
    long events = Flags.longValue(line, "events", 50_000);
    Path output = Path.of(Flags.string(line, "output").orElse("demo-output")).toAbsolutePath();
    // A broker of its own per demo, so demos never share (or delete) each other's broker data.
    Path kafkaDir = Files.createTempDirectory("archiver-demo-kafka");
    deleteRecursively(output);
    ArchiverEngine engine = context.engine().get();
    PrintStream out = context.out();
    out.println("demo: starting a local Kafka broker ...");
    try (LocalKafka kafka = LocalKafka.start(new LocalKafka.Settings(context.brokerClasspath(), kafkaDir, 0, 0, 4),
        Duration.ofSeconds(90))) {
      boolean schemaChange = line.hasOption("schema-change");
      DataGenerator.Plan plan = new DataGenerator.Plan(TOPIC_NAME, events, 0, 0.01, events * 2 / 5, 5,
          events / 5, 7, schemaChange ? events / 2 : -1);
      DataGenerator.Result produced = DatagenCommand.generate(kafka.bootstrapServers(), plan, 4);
      out.printf("demo: produced %d events (%d malformed, a 5x spike from event %d%s) to %s%n", produced.sent(),
          produced.malformed(), plan.spikeAt(), schemaChange ? ", fields region, retry_count and client added from"
          + " event " + plan.secondVersionAt() : "", TOPIC_NAME);
      Optional<DemoDbt> dbt = line.hasOption("no-dbt") ? Optional.empty()
          : Optional.of(new DemoDbt(context.tools(), output.resolve("_archiver/dbt/demo.duckdb")));
      Optional<String> master = Optional.empty();
      if (line.hasOption("cluster")) {
        out.println("demo: starting the local Spark cluster (a master and 2 workers) ...");
        master = Optional.of(LocalSparkCluster.start(new LocalSparkCluster.Settings(context.sparkHome(),
            context.localClusterDir(), 2, 1, "2g"), Duration.ofSeconds(120)).masterUrl());
        out.println("demo: executors run on " + master.get() + " (stop it with bin/archiver local-cluster stop)");
      }
      ArchiverConfig config = config(kafka.bootstrapServers(), output,
          Flags.longValue(line, "max-records-per-batch", 10_000), dbt.map(DemoDbt::notifyCommand), master);
      RunCommand.validate(engine, config);
      out.println("demo: archiving with trigger available-now to " + output
          + dbt.map(d -> ", dbt after each committed batch").orElse("") + " ...");
      try (CommitListeners notifiers = CommitListeners.fromConfig(config)) {
        engine.run(config, notifiers.listeners());
      }
      long sent = produced.sent();
      if (schemaChange) {
        sent += evolve(out, engine, config, kafka.bootstrapServers(), events / 10);
      }
      int status = summary(out, config, engine.commitLog(config.output().path(), Map.of()), sent);
      if (dbt.isPresent()) {
        status = Math.max(status, dbt.get().summary(out, config,
            engine.commitLog(config.output().path(), Map.of()).all()));
      }
      return status;
    } finally {
      deleteRecursively(kafkaDir);
    }
  }

  /**
   * The schema-change act: the unknown fields the first run kept, the DDL suggested for them, then that DDL as
   * the config change and a restart archiving more events of the second version; returns the events it produced.
   */
  private static long evolve(PrintStream out, ArchiverEngine engine, ArchiverConfig config, String bootstrap,
      long events) {
    List<CommitManifest> before = engine.commitLog(config.output().path(), Map.of()).all();
    Map<String, Long> unknown = new java.util.TreeMap<>();
    before.forEach(m -> m.unknownFields().forEach((k, v) -> unknown.merge(k, v, Long::sum)));
    out.println("demo: fields the schema does not declare, kept in _extra: " + unknown);
    out.println("demo: bin/archiver schema suggest --output " + config.output().path() + " prints:");
    String ddl = SchemaCommand.suggest(out, engine, config, before, 1000).orElse(EventGenerator.SCHEMA_DDL_V2);
    DataGenerator.Result more = DatagenCommand.generate(bootstrap, new DataGenerator.Plan(TOPIC_NAME, events, 0, 0,
        -1, 1, 0, 8, 0), 4);
    Map<String, String> values = new LinkedHashMap<>(config.values());
    values.put(SCHEMA_DDL.name(), ddl);
    ArchiverConfig changed = ConfigLoader.fromMap(values);
    out.println("demo: produced " + more.sent() + " more events of the second version; restarting with"
        + " schema.ddl: " + ddl + " ...");
    RunCommand.validate(engine, changed);
    try (CommitListeners notifiers = CommitListeners.fromConfig(changed)) {
      engine.run(changed, notifiers.listeners());
    }
    List<CommitManifest> after = engine.commitLog(config.output().path(), Map.of()).all();
    List<CommitManifest> added = after.subList(before.size(), after.size());
    out.printf("demo: %d records archived with the new columns (schema %s: %s); unknown fields since: %s%n",
        added.stream().mapToLong(CommitManifest::numArchived).sum(),
        added.isEmpty() ? "-" : added.get(0).schema().map(s -> s.fingerprint()).orElse("-"),
        added.isEmpty() ? "-" : added.get(0).schema().map(s -> s.ddl()).orElse("-"),
        added.stream().flatMap(m -> m.unknownFields().keySet().stream()).distinct().toList());
    return more.sent();
  }

  static ArchiverConfig config(String bootstrap, Path output, long maxRecordsPerBatch, Optional<String> notify,
      Optional<String> sparkMaster) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put(BOOTSTRAP_SERVERS.name(), bootstrap);
    values.put(TOPIC.name(), TOPIC_NAME);
    values.put(OUTPUT_PATH.name(), output.toString());
    values.put(SCHEMA_DDL.name(), EventGenerator.SCHEMA_DDL);
    values.put(EVENT_TIME_COLUMN.name(), "event_time");
    values.put(REQUIRED_COLUMNS.name(), String.join(",", EventGenerator.REQUIRED));
    values.put(MAX_RECORDS_PER_BATCH.name(), Long.toString(maxRecordsPerBatch));
    values.put("spark.sql.shuffle.partitions", "4");
    values.put("spark.ui.enabled", "false");
    notify.ifPresent(c -> values.put(NOTIFY_COMMAND.name(), c));
    sparkMaster.ifPresent(m -> values.put("spark.master", m));
    return ConfigLoader.fromMap(values);
  }

  private static int summary(PrintStream out, ArchiverConfig config, CommitLog log, long produced) {
    List<CommitManifest> manifests = log.all();
    long archived = manifests.stream().mapToLong(CommitManifest::numArchived).sum();
    long quarantined = manifests.stream().mapToLong(CommitManifest::numQuarantined).sum();
    long files = manifests.stream().mapToLong(m -> m.files().size()).sum();
    long bytes = manifests.stream().mapToLong(CommitManifest::archivedBytes).sum();
    out.println();
    out.println("demo summary");
    out.printf("  records in:          %d%n", produced);
    out.printf("  archived:            %d%n", archived);
    out.printf("  quarantined:         %d%n", quarantined);
    out.printf("  batches:             %d%n", manifests.size());
    out.printf("  archive files:       %d (%.1f MiB)%n", files, bytes / 1048576.0);
    long lag = StatusCommand.printLag(out, "  ", config, StatusCommand.committedEnds(manifests),
        StatusCommand.DEFAULT_TIMEOUT);
    out.println("  archive:             " + config.output().path());
    out.println("  manifests:           " + config.output().manifests());
    boolean ok = produced == archived + quarantined && lag == 0;
    out.println(ok ? "demo: OK, in = archived + quarantined and lag is 0"
        : "demo: MISMATCH, in != archived + quarantined or lag > 0");
    return ok ? 0 : 1;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
