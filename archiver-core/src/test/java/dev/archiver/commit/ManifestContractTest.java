package dev.archiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.archiver.InvalidInputException;
import dev.archiver.compaction.CompactionCodec;
import dev.archiver.compaction.CompactionManifest;
import dev.archiver.testing.Manifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manifest contract, {@code manifest-schema/} at the repository's top: the golden manifests are valid and read,
 * the broken ones are refused by the schema and by the codecs alike, and what the codecs write is valid.
 * archiver-dbt's {@code tests/test_contract.py} checks the same files from Python.
 */
class ManifestContractTest {
  private static final Path CONTRACT = contract();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Schema> SCHEMAS = schemas();

  private final ManifestCodec batches = new ManifestCodec();
  private final CompactionCodec compactions = new CompactionCodec();

  static Stream<Path> golden() {
    return files("golden");
  }

  static Stream<Path> invalid() {
    return files("invalid");
  }

  @Test
  void theContractHasTheGoldenFilesTheReadmeNames() {
    assertThat(golden().map(p -> p.getFileName().toString())).contains("batch-local.json",
        "batch-s3a-late-unknown.json", "batch-quarantine-only.json", "batch-data-loss.json", "compaction.json");
    assertThat(invalid()).hasSizeGreaterThanOrEqualTo(8);
  }

  @ParameterizedTest
  @MethodSource("golden")
  void goldenManifestsAreValidAndReadBackAsWritten(Path file) throws IOException {
    assertThat(errors(file)).as("%s against the schema", file.getFileName()).isEmpty();
    String name = file.getFileName().toString();
    byte[] json = Files.readAllBytes(file);
    byte[] written;
    if (isCompaction(file)) {
      CompactionManifest read = compactions.decode(json, name);
      written = compactions.encode(read);
      assertThat(compactions.decode(written, name)).isEqualTo(read);
    } else {
      CommitManifest read = batches.decode(json, name);
      written = batches.encode(read);
      assertThat(batches.decode(written, name)).isEqualTo(read);
    }
    assertThat(JSON.readTree(written)).as("%s re-encoded", name).isEqualTo(JSON.readTree(json));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void brokenManifestsAreRefusedByTheSchemaAndByTheCodec(Path file) throws IOException {
    String name = file.getFileName().toString();
    assertThat(errors(file)).as("%s should break the schema", name).isNotEmpty();
    byte[] json = Files.readAllBytes(file);
    assertThatThrownBy(() -> {
      if (isCompaction(file)) {
        compactions.decode(json, name);
      } else {
        batches.decode(json, name);
      }
    }).as(name).isInstanceOf(InvalidInputException.class).hasMessageContaining(name);
  }

  @Test
  void aNewerFormatIsRefusedWithUpgradeAndAMissingFieldIsNamed() {
    assertThatThrownBy(() -> batches.decode(read("invalid/batch-newer-format.json"), "m.json"))
        .hasMessageContaining("formatVersion 2").hasMessageContaining("upgrade the archiver");
    assertThatThrownBy(() -> compactions.decode(read("invalid/compaction-newer-format.json"), "c.json"))
        .hasMessageContaining("formatVersion 2").hasMessageContaining("upgrade the archiver");
    assertThatThrownBy(() -> batches.decode(read("invalid/batch-missing-batchId.json"), "m.json"))
        .hasMessageContaining("missing field 'batchId'");
    assertThatThrownBy(() -> batches.decode(read("invalid/batch-count-as-string.json"), "m.json"))
        .hasMessageContaining("numArchived");
  }

  @Test
  void theCodecsRequireWhatTheSchemasRequire() {
    assertThat(required("batch")).containsExactlyInAnyOrderElementsOf(CommitManifest.REQUIRED_FIELDS);
    assertThat(required("compaction")).containsExactlyInAnyOrderElementsOf(CompactionManifest.REQUIRED_FIELDS);
    assertThat(SCHEMAS.get("batch").getSchemaNode().at("/properties/formatVersion/maximum").asInt())
        .as("the schema's version is the codec's").isEqualTo(CommitManifest.FORMAT_VERSION);
  }

  @Test
  void whatTheWriterProducesIsValid() {
    CommitManifest plain = Manifests.manifest(7, "q-1", 100, 250, 3);
    CommitManifest late = Manifests.withLate(plain, Map.of("event_date=2026-11-20", 2L));
    CommitManifest loss = Manifests.withDataLoss(Manifests.withResets(plain,
        List.of(new OffsetReset("events", 1, 900, 5))), List.of(new OffsetRange("events", 0, 100, 120)));
    CommitManifest unknown = Manifests.withSchema(plain, Map.of("region", 3L),
        Optional.of(ArchiveSchema.of("id STRING,_extra STRING")));
    CommitManifest quarantineOnly = Manifests.listing(3, "s3a://lake/a", "s3a://lake/q", List.of(),
        List.of("part-1.parquet", "part-2.parquet"));
    for (CommitManifest m : List.of(plain, late, loss, unknown, quarantineOnly)) {
      assertThat(validate("batch", new String(batches.encode(m), StandardCharsets.UTF_8)))
          .as("batch %s written", m.batchId()).isEmpty();
    }
    CompactionManifest compaction = CompactionManifest.of(0, Instant.parse("2026-11-27T03:00:00.123456789Z"),
        "file:/archive", -1, List.of("event_date=2026-11-25"),
        List.of(new DataFile("event_date=2026-11-25/a.parquet", 2, 10), new DataFile("event_date=2026-11-25/b.parquet",
            3, 10)), List.of(new DataFile("event_date=2026-11-25/c.parquet", 5, 15)));
    assertThat(validate("compaction", new String(compactions.encode(compaction), StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void recordsRefusePathsTheSchemaRefusesAndNamesSortByNumber() {
    assertThatThrownBy(() -> new DataFile("/abs/x.parquet", 1, 1)).hasMessageContaining("relative to its root");
    assertThatThrownBy(() -> new DataFile("a/../../x.parquet", 1, 1)).hasMessageContaining("without '..'");
    assertThatThrownBy(() -> new DataFile("s3a://b/x.parquet", 1, 1)).hasMessageContaining("relative");
    assertThat(ArchiveLayout.numberedName(42)).isEqualTo("00000000000000000042.json");
    assertThat(ArchiveLayout.numberOf("00000000000000000042.json")).isEqualTo(42);
    assertThat(ArchiveLayout.numberOf(".00000000000000000042.json.tmp")).isEqualTo(-1);
  }

  @Test
  void theJarShipsTheSchemas() throws IOException {
    for (String kind : List.of("batch", "compaction")) {
      String name = kind + "-manifest.schema.json";
      try (var in = ManifestContractTest.class.getResourceAsStream("/dev/archiver/manifest-schema/" + name)) {
        assertThat(in).as(name + " on the classpath").isNotNull();
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(
            Files.readString(CONTRACT.resolve(name)));
      }
    }
  }

  private static List<String> required(String kind) {
    List<String> out = new ArrayList<>();
    SCHEMAS.get(kind).getSchemaNode().get("required").forEach(n -> out.add(n.asText()));
    return out;
  }

  private static boolean isCompaction(Path file) {
    return file.getFileName().toString().startsWith("compaction");
  }

  private static List<Error> errors(Path file) throws IOException {
    return validate(isCompaction(file) ? "compaction" : "batch", Files.readString(file));
  }

  private static List<Error> validate(String kind, String json) {
    return SCHEMAS.get(kind).validate(json, InputFormat.JSON);
  }

  private static byte[] read(String relative) throws IOException {
    return Files.readAllBytes(CONTRACT.resolve(relative));
  }

  private static Stream<Path> files(String dir) {
    try (Stream<Path> listed = Files.list(CONTRACT.resolve(dir))) {
      return listed.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Schema> schemas() {
    Map<String, String> byId = new HashMap<>();
    Map<String, String> ids = new HashMap<>();
    for (String kind : List.of("batch", "compaction")) {
      try {
        String text = Files.readString(CONTRACT.resolve(kind + "-manifest.schema.json"));
        JsonNode node = JSON.readTree(text);
        byId.put(node.get("$id").asText(), text);
        ids.put(kind, node.get("$id").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemas(byId));
    Map<String, Schema> out = new HashMap<>();
    ids.forEach((kind, id) -> out.put(kind, registry.getSchema(SchemaLocation.of(id))));
    return out;
  }

  /** manifest-schema/ beside the module that runs the test (Maven runs tests in the module's directory). */
  private static Path contract() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("manifest-schema"))) {
        return dir.resolve("manifest-schema");
      }
    }
    throw new IllegalStateException("no manifest-schema/ above " + Path.of("").toAbsolutePath());
  }
}
