package dev.archiver.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaSuggestionTest {
  @Test
  void infersTypesFromTheSampleWideningWhereValuesDisagree() {
    SchemaSuggestion.Suggestion s = SchemaSuggestion.suggest(
        List.of("region", "retry_count", "client", "score", "mixed", "tags", "odd name", "never"),
        List.of("{\"region\":\"eu\",\"retry_count\":2,\"client\":{\"os\":\"ios\",\"version\":\"17.1\"},\"score\":1,"
                + "\"mixed\":1,\"tags\":[],\"odd name\":true,\"not-counted\":1}",
            "{\"region\":null,\"retry_count\":3,\"client\":{\"os\":\"web\",\"beta\":true},\"score\":1.5,"
                + "\"mixed\":\"x\",\"tags\":[\"a\"]}",
            "not json"));
    assertThat(s.ddl()).isEqualTo("region STRING, retry_count BIGINT, client STRUCT<os: STRING, version: STRING,"
        + " beta: BOOLEAN>, score DOUBLE, mixed STRING, tags ARRAY<STRING>, `odd name` BOOLEAN, never STRING");
    assertThat(s.unsampled()).containsExactly("never");
  }

  @Test
  void integersBeyondALongAreDecimals() {
    assertThat(SchemaSuggestion.suggest(List.of("big"), List.of("{\"big\":123456789012345678901234}")).ddl())
        .isEqualTo("big DECIMAL(38,0)");
  }

  @Test
  void theDeclaredColumnsLeaveOutExtra() {
    assertThat(SchemaSuggestion.declared("id STRING,ts TIMESTAMP,_extra STRING")).contains("id STRING,ts TIMESTAMP");
    assertThat(SchemaSuggestion.declared("id STRING")).contains("id STRING");
  }
}
