package dev.archiver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.Ports;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.testing.CapturedCli;
import dev.archiver.spark.testing.LocalClusterExtension;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.S3Extension;
import dev.archiver.spark.testing.S3MockServer;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: {@code archiver doctor --config FILE} against the real broker, S3 server and Spark cluster the other tests
 * start: every check passes on a good config, and each is seen failing on the mistake it exists for. The Airflow check
 * runs in the live Airflow session (airflow-dags/tests/live/test_doctor.py).
 */
@ExtendWith({LocalKafkaExtension.class, S3Extension.class, LocalClusterExtension.class})
class DoctorIT extends SparkIT {
  @TempDir
  Path dir;

  @Test
  void everyCheckPassesOnAGoodConfigAndFailsOnItsMistake(LocalKafka kafka, S3MockServer s3,
      LocalClusterExtension.Cluster cluster) throws IOException {
    String topic = "doctor-" + UUID.randomUUID();
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of())) {
      admin.createTopic(topic, 3);
    }
    String prefix = "s3a://" + S3MockServer.BUCKET + "/doctor-" + UUID.randomUUID();
    Map<String, String> good = new LinkedHashMap<>(s3.s3aConf(s3.endpoint()));
    good.put("source.bootstrap-servers", kafka.bootstrapServers());
    good.put("source.topic", topic);
    good.put("output.path", prefix + "/archive");
    good.put("output.checkpoint", prefix + "/checkpoint");
    good.put("schema.ddl", EventGenerator.SCHEMA_DDL);
    good.put("spark.master", cluster.masterUrl());
    Path config = write(good);

    Doctor ok = doctor(config);
    assertThat(ok.code).as(ok.out).isZero();
    assertThat(ok.out).contains("ok    config", "ok    broker       " + kafka.bootstrapServers() + " answered (1 broker)",
        "ok    topic        " + topic + " (3 partitions)", "ok    s3           S3 accepted the credentials for s3a://"
            + S3MockServer.BUCKET, "ok    output       " + prefix + "/archive is writable",
        "ok    checkpoint   " + prefix + "/checkpoint is writable", "ok    resume       a new archive",
        "ok    spark        " + cluster.masterUrl() + " accepts connections", "skip  airflow      notify.airflow.url"
            + " not set", "doctor: all checks passed");
    assertThat(new HadoopArchiveStorage(s3.hadoopConf(s3.endpoint())).list(prefix)).as("probes deleted").isEmpty();

    String down = "127.0.0.1:" + Ports.free();
    Doctor noBroker = doctor(config, "--bootstrap-servers", down, "--timeout", "2s");
    assertThat(noBroker.code).isEqualTo(1);
    assertThat(noBroker.out).contains("FAIL  broker       " + down + " did not answer within 2s -> fix: start the"
        + " broker or correct source.bootstrap-servers", "FAIL  topic        cannot tell", "ok    output",
        "doctor: some checks failed");

    Doctor noTopic = doctor(config, "--topic", "no-such-" + topic);
    assertThat(noTopic.code).isEqualTo(1);
    assertThat(noTopic.out).contains("ok    broker", "FAIL  topic        topic no-such-" + topic + " does not exist"
        + " on " + kafka.bootstrapServers() + " -> fix: create it");

    Doctor wrongS3 = doctor(config, "--set", "spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:" + Ports.free());
    assertThat(wrongS3.code).isEqualTo(1);
    assertThat(wrongS3.out).contains("FAIL  s3           cannot reach S3 for s3a://" + S3MockServer.BUCKET,
        "-> fix: check spark.hadoop.fs.s3a.endpoint", "FAIL  output       cannot write under " + prefix);

    Doctor noBucket = doctor(config, "--output", "s3a://no-such-bucket/archive");
    assertThat(noBucket.out).contains("FAIL  s3           bucket s3a://no-such-bucket does not exist",
        "FAIL  output       cannot write under s3a://no-such-bucket/archive");

    // Root ignores file modes: a path under a regular file is unwritable for anyone.
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    Doctor readOnly = doctor(config, "--output", file.resolve("archive").toString(), "--checkpoint",
        file.resolve("checkpoint").toString());
    assertThat(readOnly.code).isEqualTo(1);
    assertThat(readOnly.out).contains("skip  s3", "FAIL  output       cannot write under " + file.resolve("archive"),
        "-> fix: give the archiver's user write access there, or correct output.path", "FAIL  checkpoint   cannot"
            + " write under " + file.resolve("checkpoint"));

    Doctor noMaster = doctor(config, "--set", "spark.master=spark://127.0.0.1:" + Ports.free());
    assertThat(noMaster.code).isEqualTo(1);
    assertThat(noMaster.out).contains("FAIL  spark        no Spark master at 127.0.0.1:", "-> fix: start the master");
  }

  /** After a real run: the checkpoint resumes; another topic, another archive's checkpoint or a dropped column not. */
  @Test
  void resumeFailsForAnotherSourceAnotherArchiveOrAnIncompatibleSchema(LocalKafka kafka) throws IOException {
    String topic = "doctor-run-" + UUID.randomUUID();
    Topics.produce(kafka.bootstrapServers(), topic, 50, 0);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("source.bootstrap-servers", kafka.bootstrapServers());
    values.put("source.topic", topic);
    values.put("output.path", dir.resolve("archive").toString());
    values.put("schema.ddl", EventGenerator.SCHEMA_DDL);
    values.put("schema.event-time-column", "event_time");
    Path config = write(values);
    CapturedCli cli = new CapturedCli();
    assertThat(cli.execute("run", "--config", config.toString())).as(cli.err()).isZero();

    Doctor ok = doctor(config);
    assertThat(ok.code).as(ok.out).isZero();
    assertThat(ok.out).containsPattern("ok    resume       checkpoint query [0-9a-f-]+ matches the manifests \\(last"
        + " batch \\d+\\); reads " + topic + "; schema compatible");

    String other = "doctor-other-" + UUID.randomUUID();
    Topics.produce(kafka.bootstrapServers(), other, 1, 0);
    Doctor otherTopic = doctor(config, "--topic", other);
    assertThat(otherTopic.code).isEqualTo(1);
    assertThat(otherTopic.out).contains("FAIL  resume       the checkpoint reads " + topic, "(" + topic + ")",
        "-> fix: a checkpoint is for one source");

    Path otherCheckpoint = Files.createDirectories(dir.resolve("other-checkpoint"));
    Files.writeString(otherCheckpoint.resolve("metadata"), "{\"id\":\"" + UUID.randomUUID() + "\"}\n");
    Doctor mixed = doctor(config, "--checkpoint", otherCheckpoint.toString());
    assertThat(mixed.code).isEqualTo(1);
    assertThat(mixed.out).contains("FAIL  resume       the checkpoint " + otherCheckpoint + " is query ",
        "-> fix: output.checkpoint and output.path belong to different archives");

    String dropped = EventGenerator.SCHEMA_DDL.replaceAll(",\\s*message STRING", "");
    assertThat(dropped).isNotEqualTo(EventGenerator.SCHEMA_DDL);
    Doctor schema = doctor(config, "--schema", dropped);
    assertThat(schema.code).isEqualTo(1);
    assertThat(schema.out).contains("FAIL  resume       schema.ddl: ", "message", "-> fix: restore the column");
    Doctor allowed = doctor(config, "--schema", dropped, "--allow-schema-change");
    assertThat(allowed.out).contains("ok    resume");
  }

  private record Doctor(int code, String out) {
  }

  private static Doctor doctor(Path config, String... more) {
    CapturedCli cli = new CapturedCli();
    List<String> args = new ArrayList<>(List.of("doctor", "--config", config.toString()));
    args.addAll(List.of(more));
    int code = cli.execute(args.toArray(String[]::new));
    return new Doctor(code, cli.out() + cli.err());
  }

  private Path write(Map<String, String> values) throws IOException {
    Path file = dir.resolve("archiver-" + UUID.randomUUID() + ".json");
    Files.writeString(file, new ObjectMapper().writeValueAsString(values));
    return file;
  }
}
