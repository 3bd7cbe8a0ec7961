package dev.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void masksSecretsOnly() {
    assertThat(Redaction.isSecret("source.kafka.sasl.jaas.config")).isTrue();
    assertThat(Redaction.isSecret("source.kafka.ssl.keystore.password")).isTrue();
    assertThat(Redaction.isSecret("spark.hadoop.fs.s3a.secret.key")).isTrue();
    assertThat(Redaction.isSecret("spark.hadoop.fs.s3a.access.key")).isTrue();
    assertThat(Redaction.isSecret("spark.hadoop.fs.s3a.session.token")).isTrue();
    assertThat(Redaction.isSecret("source.bootstrap-servers")).isFalse();
    assertThat(Redaction.isSecret("spark.hadoop.fs.s3a.endpoint")).isFalse();
  }
}
