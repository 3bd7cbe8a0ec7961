package dev.archiver.spark.testing;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigLoader;
import dev.archiver.datagen.DataGenerator;
import dev.archiver.datagen.EventGenerator;
import dev.archiver.kafka.KafkaAdmin;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Test topics of realistic events, and the archive config that reads them. */
public final class Topics {
  private Topics() {
  }

  /** Produces events to a 4-partition topic (created if missing); seeded by the count, so runs repeat. */
  public static DataGenerator.Result produce(String bootstrap, String topic, long events, double malformedRatio) {
    try (KafkaAdmin admin = new KafkaAdmin(bootstrap, Map.of())) {
      admin.createTopic(topic, 4);
    }
    return new DataGenerator(bootstrap, Map.of()).run(new DataGenerator.Plan(topic, events, 0, malformedRatio, -1,
        1, 0, events));
  }

  /** Like {@link #produce}, events from {@code secondVersionAt} on of the second version (datagen's flag). */
  public static DataGenerator.Result produce(String bootstrap, String topic, long events, long secondVersionAt,
      long seed) {
    try (KafkaAdmin admin = new KafkaAdmin(bootstrap, Map.of())) {
      admin.createTopic(topic, 4);
    }
    return new DataGenerator(bootstrap, Map.of()).run(new DataGenerator.Plan(topic, events, 0, 0, -1, 1, 0, seed,
        secondVersionAt));
  }

  /** The end offset of each partition. */
  public static Map<Integer, Long> ends(String bootstrap, String topic) {
    try (KafkaAdmin admin = new KafkaAdmin(bootstrap, Map.of())) {
      return admin.endOffsets(Optional.of(topic), Optional.empty()).entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
    }
  }

  /** An archive config for the events' schema; {@code extra} keys override. */
  public static ArchiverConfig config(String bootstrap, String topic, String output, Map<String, String> extra) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("source.bootstrap-servers", bootstrap);
    values.put("source.topic", topic);
    values.put("output.path", output);
    values.put("schema.ddl", EventGenerator.SCHEMA_DDL);
    values.put("schema.event-time-column", "event_time");
    values.put("schema.required-columns", String.join(",", EventGenerator.REQUIRED));
    values.putAll(extra);
    return ConfigLoader.fromMap(values);
  }
}
