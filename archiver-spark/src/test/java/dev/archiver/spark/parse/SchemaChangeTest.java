package dev.archiver.spark.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.ArchiveSchema;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.testing.Manifests;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SchemaChangeTest {
  private static final String WRITTEN = "id STRING,ts TIMESTAMP,n INT,_extra STRING";

  private static List<ConfigError> start(String ddl, List<String> required, boolean allow) {
    ArchiverConfig.Schema schema = new ArchiverConfig.Schema(ddl, Optional.of("ts"), required, Optional.empty(),
        Optional.empty(), ArchiverConfig.UnknownFields.KEEP, allow);
    return SchemaChange.check(schema, Optional.of(Manifests.withSchema(Manifests.manifest(4, "q", 0, 10, 0),
        Map.of(), Optional.of(ArchiveSchema.of(WRITTEN)))));
  }

  @Test
  void addingNullableColumnsOrReorderingIsAllowed() {
    assertThat(start("id STRING, ts TIMESTAMP, n INT, v2 STRING, geo STRUCT<lat: DOUBLE>", List.of("ts"), false))
        .isEmpty();
    assertThat(start("n INT, ts TIMESTAMP, id STRING", List.of("id", "ts"), false)).isEmpty();
  }

  @Test
  void removedRetypedAndNewRequiredColumnsAreRefusedByName() {
    assertThat(start("id STRING, ts TIMESTAMP", List.of("ts"), false)).singleElement()
        .satisfies(e -> assertThat(e.toString()).startsWith("schema.ddl: column 'n' (INT) is removed since batch 4")
            .contains("--allow-schema-change").contains("schema.allow-incompatible-change"));
    assertThat(start("id STRING, ts TIMESTAMP, n SMALLINT", List.of("ts"), false)).singleElement()
        .satisfies(e -> assertThat(e.message()).startsWith("column 'n' changes type from INT to SMALLINT"));
    assertThat(start("id STRING, ts TIMESTAMP, n BIGINT", List.of("ts"), false)).as("widened: mergeSchema refuses")
        .singleElement().satisfies(e -> assertThat(e.message()).contains("from INT to BIGINT"));
    assertThat(start("id STRING, ts TIMESTAMP, n INT, v2 STRING", List.of("ts", "v2"), false)).singleElement()
        .satisfies(e -> assertThat(e.message()).startsWith("required column 'v2' is new"));
  }

  @Test
  void allowedWhenSaidOrWhenThereIsNothingToCompare() {
    assertThat(start("id STRING", List.of(), true)).isEmpty();
    ArchiverConfig.Schema schema = new ArchiverConfig.Schema("id STRING", Optional.empty(), List.of(),
        Optional.empty());
    assertThat(SchemaChange.check(schema, Optional.empty())).as("a new archive").isEmpty();
    assertThat(SchemaChange.check(schema, Optional.of(Manifests.manifest(1, "q", 0, 10, 0))))
        .as("a manifest from before schemas were recorded").isEmpty();
  }

  @Test
  void switchingUnknownFieldsOffIsNotASchemaChange() {
    assertThat(SchemaChange.incompatible(WRITTEN, org.apache.spark.sql.types.StructType.fromDDL(
        "id STRING, ts TIMESTAMP, n INT"), List.of())).isEmpty();
  }
}
