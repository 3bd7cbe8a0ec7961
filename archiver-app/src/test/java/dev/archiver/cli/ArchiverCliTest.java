package dev.archiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArchiverCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final FakeEngine engine = new FakeEngine();
  private final ArchiverCli cli = new ArchiverCli(new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), Path.of("."), () -> engine);

  private static final String[] RUN = {"run", "--topic", "events", "--output", "/tmp/a", "--schema",
      "id STRING, ts TIMESTAMP"};

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void flagsOverrideConfigKeysAndReachTheEngine() {
    String[] args = concat(RUN, "--trigger", "processing-time:2m", "--max-records-per-batch", "5000",
        "--event-time-column", "ts", "--set", "output.compression=zstd", "--set", "source.kafka.client.id=x");
    assertThat(cli.execute(args)).isZero();
    ArchiverConfig c = engine.runs.get(0);
    assertThat(c.trigger().availableNow()).isFalse();
    assertThat(c.trigger().interval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.backpressure().maxRecordsPerBatch()).isEqualTo(5000);
    assertThat(c.schema().eventTimeColumn()).contains("ts");
    assertThat(c.output().compression()).isEqualTo("zstd");
    assertThat(c.source().kafkaOptions()).containsEntry("client.id", "x");
    assertThat(c.schema().allowIncompatibleChange()).as("not without the flag").isFalse();
    assertThat(cli.execute(concat(RUN, "--allow-schema-change"))).isZero();
    assertThat(engine.runs.get(1).schema().allowIncompatibleChange()).isTrue();
  }

  @Test
  void badFlagsExit2WithAPointerToHelp() {
    assertThat(cli.execute(new String[] {"run", "--no-such-flag"})).isEqualTo(2);
    assertThat(err()).contains("archiver run: Unrecognized option: --no-such-flag")
        .contains("See 'bin/archiver run --help'");
    assertThat(engine.runs).isEmpty();
  }

  @Test
  void badTriggerAndSetAreUsageErrors() {
    assertThat(cli.execute(concat(RUN, "--trigger", "hourly"))).isEqualTo(2);
    assertThat(err()).contains("--trigger: 'hourly' is not available-now or processing-time:<interval>");
    assertThat(cli.execute(concat(RUN, "--set", "novalue"))).isEqualTo(2);
    assertThat(err()).contains("--set: 'novalue' is not KEY=VALUE");
  }

  @Test
  void configErrorsAndEngineErrorsAreListedTogether() {
    assertThat(cli.execute(new String[] {"run", "--output", "/tmp/a", "--set", "trigger.interval=never"}))
        .isEqualTo(2);
    assertThat(err()).contains("config errors", "source.topic: missing", "schema.ddl: missing",
        "trigger.interval: 'never' is not a duration");
    engine.validationErrors.add(new ConfigError("schema.ddl", "is not a Spark DDL schema"));
    assertThat(cli.execute(RUN)).isEqualTo(2);
    assertThat(err()).contains("schema.ddl: is not a Spark DDL schema");
  }

  @Test
  void dryRunPrintsTheConfigWithSecretsMasked() {
    assertThat(cli.execute(concat(RUN, "--dry-run", "--set", "source.kafka.sasl.jaas.config=secret-jaas"))).isZero();
    assertThat(out()).contains("source.kafka.sasl.jaas.config = ******", "config OK").doesNotContain("secret-jaas");
    assertThat(engine.runs).isEmpty();
  }

  @Test
  void helpListsCommandsAndEachCommandHasHelp() {
    assertThat(cli.execute(new String[] {"--help"})).isZero();
    assertThat(out()).contains("run", "status", "datagen", "local-kafka", "demo", "config-reference");
    assertThat(cli.execute(new String[] {"datagen", "--help"})).isZero();
    assertThat(out()).contains("--malformed-ratio", "--spike-at", "--spike-factor");
    assertThat(cli.execute(new String[] {"frobnicate"})).isEqualTo(2);
    assertThat(err()).contains("unknown command 'frobnicate'");
  }

  @Test
  void datagenValidatesItsNumbersBeforeTouchingKafka() {
    assertThat(cli.execute(new String[] {"datagen", "--topic", "t", "--events", "10", "--malformed-ratio", "2"}))
        .isEqualTo(2);
    assertThat(err()).contains("--malformed-ratio must be between 0 and 1");
    assertThat(cli.execute(new String[] {"datagen", "--topic", "t", "--events", "many"})).isEqualTo(2);
    assertThat(err()).contains("--events: 'many' is not a whole number");
  }

  @Test
  void statusReadsTheCommitLog() {
    engine.log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 100, 2));
    engine.log.commit(dev.archiver.testing.Manifests.withDataLoss(
        dev.archiver.testing.Manifests.manifest(1, "q", 100, 150, 0),
        java.util.List.of(new dev.archiver.commit.OffsetRange("events", 0, 100, 130))));
    engine.log.commit(dev.archiver.testing.Manifests.withResets(
        dev.archiver.testing.Manifests.manifest(2, "q", 40, 40, 0),
        java.util.List.of(new dev.archiver.commit.OffsetReset("events", 0, 150, 40))));
    engine.log.commit(dev.archiver.testing.Manifests.withSchema(
        dev.archiver.testing.Manifests.manifest(3, "q", 40, 50, 0), java.util.Map.of("region", 4L, "client", 1L),
        java.util.Optional.of(dev.archiver.commit.ArchiveSchema.of("id STRING,_extra STRING"))));
    engine.log.commit(dev.archiver.testing.Manifests.withSchema(
        dev.archiver.testing.Manifests.manifest(4, "q", 50, 52, 0), java.util.Map.of("region", 2L),
        java.util.Optional.of(dev.archiver.commit.ArchiveSchema.of("id STRING,_extra STRING"))));
    String[] status = {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING", "--no-lag"};
    assertThat(cli.execute(status)).isZero();
    assertThat(out()).contains("committed batches:   5 (last: batch 4", "records archived:    160",
        "unknown fields:      client (1 records), region (6 records); see 'archiver schema suggest'",
        "schema:              " + dev.archiver.commit.ArchiveSchema.fingerprint("id STRING,_extra STRING")
            + " id STRING,_extra STRING",
        "records quarantined: 2", "events-0 [50, 52)",
        "DATA LOSS:           30 records deleted in Kafka (retention, or a deletion) before they were archived, in"
            + " batches 1: events-0 [100, 130)",
        "DATA LOSS:           events-0 went back from offset 150 to 40 before batch 2 (topic recreated or"
            + " truncated): its offsets [0, 40) were not archived");
    assertThat(out()).as("no late line without late rows").doesNotContain("late records");
  }

  @Test
  void statusShowsHowMuchArrivedLateAndTheFileSizes() {
    engine.log.commit(dev.archiver.testing.Manifests.withLate(dev.archiver.testing.Manifests.manifest(0, "q", 0, 100, 0),
        java.util.Map.of("event_date=2026-11-20", 3L, "event_date=2026-11-21", 1L)));
    engine.log.commit(dev.archiver.testing.Manifests.manifest(1, "q", 100, 200, 0));
    engine.log.commit(dev.archiver.testing.Manifests.withLate(dev.archiver.testing.Manifests.manifest(2, "q", 200, 300, 0),
        java.util.Map.of("event_date=2026-11-21", 5L)));
    String[] status = {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING", "--no-lag"};
    assertThat(cli.execute(status)).isZero();
    assertThat(out()).contains("late records:        9 of 300 archived (3.0%), in 2 of 3 batches; most in"
        + " event_date=2026-11-21 (6), event_date=2026-11-20 (3)", "files:               3 (", "bytes; average 1000 B;"
        + " last batch 1 files, 1000 B)");
  }

  @Test
  void statusCountsTheFilesAsCompactionsLeftThem() {
    engine.log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 100, 0));
    engine.log.commit(dev.archiver.testing.Manifests.manifest(1, "q", 100, 150, 0));
    java.util.List<dev.archiver.commit.DataFile> replaced = engine.log.all().stream()
        .flatMap(m -> m.files().stream()).toList();
    engine.compactions.commit(dev.archiver.compaction.CompactionManifest.of(0,
        java.time.Instant.parse("2026-11-27T00:00:00Z"), "file:/archive", 1, java.util.List.of("event_date=2026-11-25"),
        replaced, java.util.List.of(new dev.archiver.commit.DataFile("event_date=2026-11-25/part-compacted-x.parquet",
            150, 1500))));
    String[] status = {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING", "--no-lag"};
    assertThat(cli.execute(status)).isZero();
    assertThat(out()).contains("files:               1 (1500 bytes; average 1.5 KiB;",
        "compactions:         1 (last: compaction 0 at 2026-11-27T00:00:00Z of event_date=2026-11-25); 2 file(s)"
            + " replaced", "records archived:    150");
  }

  @Test
  void statusWithTheBrokerDownPrintsTheFactsAndOneLineAboutTheLagAndExits0() {
    engine.log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 100, 2));
    engine.log.commit(dev.archiver.testing.Manifests.manifest(1, "q", 100, 150, 0));
    String broker = "127.0.0.1:" + dev.archiver.Ports.free();
    long start = System.nanoTime();
    assertThat(cli.execute(new String[] {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING",
        "--bootstrap-servers", broker, "--timeout", "1s"})).as(err()).isZero();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertThat(out()).contains("committed batches:   2 (last: batch 1", "records archived:    148",
        "records quarantined: 2", "last batch offsets:  events-0 [100, 150)",
        "intake:              at most 1000 records per batch (fixed: test)",
        "lag:                 unknown: the broker at " + broker + " did not answer within 1s (--timeout)")
        .doesNotContain("total lag");
    assertThat(err()).isEmpty();
    assertThat(elapsed).as("bounded by --timeout, not Kafka's 60 s").isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void statusJsonHoldsTheFactsAndTheLagOrWhyItIsUnknown() throws Exception {
    engine.log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 100, 2));
    engine.log.commit(dev.archiver.testing.Manifests.withDataLoss(
        dev.archiver.testing.Manifests.manifest(1, "q", 100, 150, 0),
        java.util.List.of(new dev.archiver.commit.OffsetRange("events", 0, 100, 130))));
    engine.log.commit(dev.archiver.testing.Manifests.withSchema(
        dev.archiver.testing.Manifests.manifest(2, "q", 150, 160, 0), java.util.Map.of("region", 4L),
        java.util.Optional.of(dev.archiver.commit.ArchiveSchema.of("id STRING,_extra STRING"))));
    String broker = "127.0.0.1:" + dev.archiver.Ports.free();
    assertThat(cli.execute(new String[] {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING",
        "--bootstrap-servers", broker, "--timeout", "500ms", "--json"})).as(err()).isZero();
    com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out());
    assertThat(json.get("output").asText()).isEqualTo("/tmp/a");
    assertThat(json.get("committedBatches").asInt()).isEqualTo(3);
    assertThat(json.at("/lastBatch/batchId").asLong()).isEqualTo(2);
    assertThat(json.at("/lastBatch/committedAt").asText()).isEqualTo("2026-11-25T06:00:02Z");
    assertThat(json.at("/lastBatch/offsets/0/endOffset").asLong()).isEqualTo(160);
    assertThat(json.at("/lastBatch/intake/maxRecordsPerBatch").asText()).isEqualTo("1000");
    assertThat(json.at("/lastBatch/schema/ddl").asText()).isEqualTo("id STRING,_extra STRING");
    assertThat(json.get("recordsArchived").asLong()).isEqualTo(158);
    assertThat(json.get("recordsQuarantined").asLong()).isEqualTo(2);
    assertThat(json.at("/dataLoss/0/startOffset").asLong()).isEqualTo(100);
    assertThat(json.at("/dataLoss/0/batchId").asLong()).isEqualTo(1);
    assertThat(json.at("/unknownFields/region").asLong()).isEqualTo(4);
    assertThat(json.at("/committedOffsets/events-0").asLong()).isEqualTo(160);
    assertThat(json.get("lag").isNull()).isTrue();
    assertThat(json.get("lagError").asText()).isEqualTo("the broker at " + broker
        + " did not answer within 500ms (--timeout)");

    out.reset();
    assertThat(cli.execute(new String[] {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING",
        "--json", "--no-lag"})).isZero();
    json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out());
    assertThat(json.get("lag").isNull()).isTrue();
    assertThat(json.get("lagError").asText()).contains("--no-lag");
  }

  @Test
  void statusTimeoutMustBeAPositiveDuration() {
    String[] status = {"status", "--topic", "events", "--output", "/tmp/a", "--schema", "id STRING", "--timeout"};
    assertThat(cli.execute(concat(status, "abc"))).isEqualTo(2);
    assertThat(err()).contains("archiver status: --timeout: 'abc' is not a duration; use e.g. 500ms, 30s",
        "See 'bin/archiver status --help'");
    assertThat(cli.execute(concat(status, "0s"))).isEqualTo(2);
    assertThat(err()).contains("--timeout: '0s' is not positive");
    assertThat(out()).as("nothing read before the flags are checked").isEmpty();
  }

  @Test
  void compactFlagsAreCheckedAndNamed() {
    String[] base = {"compact", "--output", "/tmp/a"};
    assertThat(cli.execute(base)).isEqualTo(2);
    assertThat(err()).contains("--partition-older-than is required");
    assertThat(cli.execute(concat(base, "--partition-older-than", "yesterday"))).isEqualTo(2);
    assertThat(err()).contains("--partition-older-than: 'yesterday' is not a duration")
        .contains("e.g. --partition-older-than 1d");
    assertThat(cli.execute(concat(base, "--partition-older-than", "1d", "--target-file-size", "big"))).isEqualTo(2);
    assertThat(err()).contains("--target-file-size: 'big' is not a size");
    assertThat(cli.execute(concat(base, "--partition-older-than", "1d", "--set", "output.target-file-size=0")))
        .isEqualTo(2);
    assertThat(err()).contains("output.target-file-size");
  }

  @Test
  void maintainNeedsSomethingToDoAndAnIcebergOutput() {
    assertThat(cli.execute(new String[] {"maintain", "--output", "/tmp/a", "--older-than", "7d"})).isEqualTo(2);
    assertThat(err()).contains("say what to do: --compact, --expire-snapshots and/or --remove-orphans");
    assertThat(cli.execute(new String[] {"maintain", "--output", "/tmp/a", "--compact", "--older-than", "soon"}))
        .isEqualTo(2);
    assertThat(err()).contains("--older-than: 'soon' is not a duration");
  }

  @Test
  void vacuumAndCompactRefuseAnIcebergArchiveAndNameMaintain() {
    String[] iceberg = {"--output", "/tmp/a", "--set", "output.format=iceberg", "--set",
        "output.iceberg.table=raw.events"};
    assertThat(cli.execute(concat(new String[] {"vacuum", "--older-than", "7d"}, iceberg))).isEqualTo(2);
    assertThat(err()).contains("vacuum: output.format is iceberg").contains("archiver maintain --remove-orphans");
    assertThat(cli.execute(concat(new String[] {"compact", "--partition-older-than", "1d"}, iceberg))).isEqualTo(2);
    assertThat(err()).contains("compact: output.format is iceberg").contains("archiver maintain --compact");
    assertThat(engine.compactions.sequences()).isEmpty();
  }

  @Test
  void compactDryRunOfAnEmptyArchiveWritesNothing() {
    assertThat(cli.execute(new String[] {"compact", "--output", "/tmp/a", "--partition-older-than", "1d",
        "--dry-run"})).isZero();
    assertThat(out()).contains("compact: 0 partition(s) to compact (dry run)");
    assertThat(engine.compactions.sequences()).isEmpty();
  }

  @Test
  void schemaSuggestTypesTheUnknownFieldsFromSampledExtras() {
    engine.log.commit(dev.archiver.testing.Manifests.manifest(0, "q", 0, 10, 0));
    engine.log.commit(dev.archiver.testing.Manifests.withSchema(
        dev.archiver.testing.Manifests.manifest(1, "q", 10, 20, 0), java.util.Map.of("region", 3L, "retries", 3L),
        java.util.Optional.of(dev.archiver.commit.ArchiveSchema.of("id STRING,ts TIMESTAMP,_extra STRING"))));
    engine.extras.add("{\"region\":\"eu\",\"retries\":2}");
    assertThat(cli.execute(new String[] {"schema", "suggest", "--output", "/tmp/a"})).isZero();
    assertThat(out()).contains("-- unknown fields in /tmp/a (records): region (3), retries (3)",
        "-- types from 1 sampled _extra values", "region STRING, retries BIGINT",
        "id STRING,ts TIMESTAMP, region STRING, retries BIGINT");
    assertThat(engine.sampledFiles).as("only the files of batches that had unknown fields")
        .containsExactly("file:/archive/event_date=2026-11-25/part-00000000000000000001-00000.c000.snappy.parquet");
    assertThat(cli.execute(new String[] {"schema", "--output", "/tmp/a"})).isEqualTo(2);
    assertThat(err()).contains("'schema suggest'");
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(StatusCommand.size(0)).isEqualTo("0 B");
    assertThat(StatusCommand.size(1023)).isEqualTo("1023 B");
    assertThat(StatusCommand.size(46_933)).isEqualTo("45.8 KiB");
    assertThat(StatusCommand.size(128L << 20)).isEqualTo("128.0 MiB");
    assertThat(StatusCommand.size(3L << 40)).isEqualTo("3.0 TiB");
  }

  @Test
  void oneLineCauseIsTheRootCause() {
    RuntimeException e = new RuntimeException("outer", new IllegalStateException("broker gone\nstack..."));
    assertThat(ArchiverCli.oneLine(e)).isEqualTo("IllegalStateException: broker gone");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
