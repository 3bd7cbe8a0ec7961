package dev.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void masksEveryKindOfSecretKeyWeKnowOf() {
    List<String> secrets = List.of(
        // Kafka clients
        "source.kafka.sasl.jaas.config", "source.kafka.ssl.keystore.password", "source.kafka.ssl.key.password",
        "source.kafka.ssl.truststore.password", "source.kafka.ssl.keystore.key",
        "source.kafka.sasl.oauthbearer.client.credentials.client.secret",
        "source.kafka.sasl.oauthbearer.assertion.private.key.passphrase",
        "source.kafka.sasl.oauthbearer.assertion.private.key.file",
        // Schema Registry clients
        "source.kafka.basic.auth.user.info", "source.kafka.schema.registry.basic.auth.user.info",
        "source.kafka.bearer.auth.token", "source.kafka.schema.registry.ssl.keystore.password",
        // Hadoop S3A, ABFS, GCS
        "spark.hadoop.fs.s3a.secret.key", "spark.hadoop.fs.s3a.access.key", "spark.hadoop.fs.s3a.session.token",
        "spark.hadoop.fs.s3a.encryption.key", "spark.hadoop.fs.s3a.server-side-encryption.key",
        "spark.hadoop.fs.s3a.bucket.lake.secret.key", "spark.hadoop.fs.s3a.bucket.lake.encryption.key",
        "spark.hadoop.fs.azure.account.key.lake.dfs.core.windows.net",
        "spark.hadoop.fs.azure.account.oauth2.client.secret.lake.dfs.core.windows.net",
        "spark.hadoop.fs.azure.sas.fixed.token.lake.dfs.core.windows.net",
        "spark.hadoop.fs.gs.auth.service.account.private.key",
        // The archiver's own, and camelCase and compound spellings
        "notify.airflow.token", "notify.airflow.password", "spark.authenticate.secret", "source.kafka.apiKey",
        "source.kafka.clientSecret", "source.kafka.api-key", "source.kafka.keyPassword");
    assertThat(secrets).allSatisfy(k -> assertThat(Redaction.isSecret(k)).as(k).isTrue());
  }

  @Test
  void leavesSettingsThatDescribeOrLocateVisible() {
    List<String> visible = List.of("source.bootstrap-servers", "source.topic", "source.kafka.security.protocol",
        "source.kafka.sasl.mechanism", "source.kafka.key.deserializer", "source.kafka.ssl.keystore.location",
        "source.kafka.ssl.keystore.type", "source.kafka.ssl.truststore.location",
        "source.kafka.ssl.endpoint.identification.algorithm", "source.kafka.basic.auth.credentials.source",
        "source.kafka.sasl.oauthbearer.token.endpoint.url", "spark.hadoop.fs.s3a.endpoint",
        "spark.hadoop.fs.s3a.aws.credentials.provider", "spark.hadoop.fs.s3a.path.style.access",
        "spark.hadoop.fs.s3a.encryption.algorithm", "output.path", "schema.ddl", "notify.airflow.username",
        "notify.command", "spark.sql.shuffle.partitions", "backpressure.max-records-per-batch");
    assertThat(visible).allSatisfy(k -> assertThat(Redaction.isSecret(k)).as(k).isFalse());
  }

  /** Kafka marks its secret settings with the PASSWORD type: the rule must find each without knowing them. */
  @Test
  void masksEverySettingKafkaItselfTreatsAsAPassword() {
    for (ConfigDef def : List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(),
        AdminClientConfig.configDef())) {
      def.configKeys().values().stream().filter(k -> k.type == ConfigDef.Type.PASSWORD)
          .forEach(k -> assertThat(Redaction.isSecret("source.kafka." + k.name)).as(k.name).isTrue());
    }
  }

  @Test
  void masksPasswordsInUrlsWhateverTheKey() {
    assertThat(Redaction.redact(Map.of("notify.airflow.url", "https://admin:hunter2@airflow:8080/api")))
        .containsEntry("notify.airflow.url", "https://admin:" + Redaction.MASK + "@airflow:8080/api");
    assertThat(Redaction.redact("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000"))
        .isEqualTo("http://127.0.0.1:9000");
    assertThat(Redaction.redact("source.kafka.ssl.keystore.password", "hunter2")).isEqualTo(Redaction.MASK);
  }
}
