package dev.archiver.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void validEventsCarryEveryRequiredFieldWithTheRightTypes() throws Exception {
    EventGenerator g = new EventGenerator(1, 0, Instant.parse("2026-11-25T00:00:00Z"));
    for (long i = 0; i < 500; i++) {
      EventGenerator.Event e = g.next(i, i * 10);
      JsonNode json = mapper.readTree(e.value());
      assertThat(e.malformed()).isFalse();
      EventGenerator.REQUIRED.forEach(f -> assertThat(json.hasNonNull(f)).as(f).isTrue());
      assertThat(json.get("latency_ms").isInt()).isTrue();
      assertThat(Instant.parse(json.get("event_time").asText()))
          .isEqualTo(Instant.parse("2026-11-25T00:00:00Z").plusMillis(i * 10));
    }
  }

  @Test
  void malformedShareFollowsTheRatioAndIsReproducible() {
    EventGenerator a = new EventGenerator(7, 0.1, Instant.EPOCH);
    EventGenerator b = new EventGenerator(7, 0.1, Instant.EPOCH);
    long malformed = LongStream.range(0, 20_000).filter(i -> {
      EventGenerator.Event e = a.next(i, i);
      assertThat(b.next(i, i)).isEqualTo(e);
      return e.malformed();
    }).count();
    assertThat(malformed).isBetween(1_700L, 2_300L);
  }

  @Test
  void theSecondVersionAddsFieldsTheFirstSchemaDoesNotDeclare() throws Exception {
    EventGenerator g = new EventGenerator(7, 0, java.time.Instant.parse("2026-11-25T00:00:00Z"));
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode v1 = mapper.readTree(g.next(0, 0).value());
    com.fasterxml.jackson.databind.JsonNode v2 = mapper.readTree(g.next(1, 1, true).value());
    java.util.List<String> v1Fields = new java.util.ArrayList<>();
    v1.fieldNames().forEachRemaining(v1Fields::add);
    java.util.List<String> v2Fields = new java.util.ArrayList<>();
    v2.fieldNames().forEachRemaining(v2Fields::add);
    assertThat(v2Fields).containsAll(v1Fields).contains("region", "retry_count", "client").hasSize(
        v1Fields.size() + 3);
    assertThat(v2.get("client").get("os").asText()).isIn("ios", "android", "web");
    assertThat(EventGenerator.SCHEMA_DDL_V2).startsWith(EventGenerator.SCHEMA_DDL)
        .contains("region STRING", "retry_count BIGINT", "client STRUCT<os: STRING, version: STRING>");
  }
}
