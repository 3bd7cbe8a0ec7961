package dev.archiver.spark.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.kafka.KafkaAdmin;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.testing.LocalKafkaExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Topic creation against the real broker: a topic is ready for producers when createTopic returns. */
@ExtendWith(LocalKafkaExtension.class)
class KafkaAdminIT {
  @Test
  void everyPartitionTakesAProduceWithoutRetryOnceCreateTopicReturns(LocalKafka kafka) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    // No retry: a partition whose leader is not serving yet fails the send instead of hiding behind a retry.
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    props.put(ProducerConfig.RETRIES_CONFIG, "0");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaAdmin admin = new KafkaAdmin(kafka.bootstrapServers(), Map.of());
        KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int t = 0; t < 10; t++) {
        String topic = "ready-" + UUID.randomUUID();
        admin.createTopic(topic, 4);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
          sent.add(producer.send(new ProducerRecord<>(topic, p, "k", "v")));
        }
        for (Future<RecordMetadata> f : sent) {
          assertThat(f.get().offset()).as("first record of a partition of %s", topic).isZero();
        }
      }
    }
  }
}
