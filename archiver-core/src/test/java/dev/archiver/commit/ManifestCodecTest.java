package dev.archiver.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.InvalidInputException;
import dev.archiver.testing.Manifests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private final ManifestCodec codec = new ManifestCodec();

  @Test
  void roundTripsEveryField() {
    CommitManifest manifest = Manifests.manifest(7, "q-1", 100, 250, 3);
    byte[] json = codec.encode(manifest);
    assertThat(codec.decode(json, "test")).isEqualTo(manifest);
    String text = new String(json, StandardCharsets.UTF_8);
    assertThat(text).contains("\"batchId\" : 7", "\"startOffset\" : 100", "\"endOffset\" : 250",
        "\"committedAt\" : \"2026-11-25T06:00:07Z\"", "\"numQuarantined\" : 3", "\"eventTime\"");
    assertThat(text).as("data loss fields only when there was some").doesNotContain("dataLoss", "offsetResets");

    CommitManifest reset = Manifests.withResets(manifest, List.of(new OffsetReset("events", 0, 250, 40)));
    assertThat(codec.decode(codec.encode(reset), "test")).isEqualTo(reset);
    assertThat(new String(codec.encode(reset), StandardCharsets.UTF_8)).contains("\"offsetResets\"",
        "\"fromOffset\" : 250", "\"toOffset\" : 40");
  }

  @Test
  void latePartitionsAreWrittenSortedOnlyWhenThereAreAnyAndReadBack() {
    CommitManifest plain = Manifests.manifest(7, "q-1", 100, 250, 3);
    assertThat(new String(codec.encode(plain), StandardCharsets.UTF_8)).doesNotContain("latePartitions", "lateBefore");
    assertThat(plain.latePartitions()).isEmpty();

    CommitManifest late = Manifests.withLate(plain, Map.of("event_date=2026-11-23", 5L, "event_date=2026-11-20", 2L));
    String text = new String(codec.encode(late), StandardCharsets.UTF_8);
    assertThat(text).contains("\"latePartitions\" : {\n    \"event_date=2026-11-20\" : 2,\n"
        + "    \"event_date=2026-11-23\" : 5\n  }", "\"lateBefore\" : \"2026-11-23T06:00:00Z\"");
    CommitManifest read = codec.decode(text.getBytes(StandardCharsets.UTF_8), "test");
    assertThat(read).isEqualTo(late);
    assertThat(read.lateRows()).isEqualTo(7);
    assertThatThrownBy(() -> Manifests.withLate(plain, Map.of("event_date=2026-11-20", 0L)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("late partition event_date=2026-11-20");
  }

  @Test
  void namesFilesSoTheySortByBatch() {
    assertThat(CommitManifest.fileName(42)).isEqualTo("00000000000000000042.json");
    assertThat(CommitManifest.fileName(9).compareTo(CommitManifest.fileName(10))).isNegative();
  }

  @Test
  void refusesNewerFormatsAndGarbage() {
    String newer = new String(codec.encode(Manifests.manifest(1, "q", 0, 10, 0)), StandardCharsets.UTF_8)
        .replace("\"formatVersion\" : 1", "\"formatVersion\" : 99");
    assertThatThrownBy(() -> codec.decode(newer.getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("formatVersion 99")
        .hasMessageContaining("upgrade the archiver");
    assertThatThrownBy(() -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("m.json is not a valid archiver manifest");
  }

  @Test
  void refusesCountsThatDoNotAddUp() {
    CommitManifest ok = Manifests.manifest(1, "q", 0, 10, 2);
    assertThatThrownBy(() -> new CommitManifest(1, 1, "q", ok.committedAt(), ok.archiveRoot(), ok.quarantineRoot(),
        ok.offsets(), 10, 9, 2, ok.files(), ok.quarantineFiles(), ok.eventTime(), ok.partitions(), ok.intake(),
        List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numRecords 10 != numArchived 9");
  }

  @Test
  void recordsUnknownFieldsSortedAndTheSchemaItWrote() {
    CommitManifest m = Manifests.withSchema(Manifests.manifest(1, "q", 0, 10, 0),
        Map.of("zeta", 2L, "alpha", 7L), Optional.of(ArchiveSchema.of("id STRING,ts TIMESTAMP,_extra STRING")));
    String json = new String(codec.encode(m), StandardCharsets.UTF_8);
    assertThat(json).contains("\"unknownFields\" : {\n    \"alpha\" : 7,\n    \"zeta\" : 2\n  }")
        .contains("\"schema\" : {\n    \"fingerprint\" : \"" + ArchiveSchema.fingerprint(
            "id STRING,ts TIMESTAMP,_extra STRING") + "\",\n    \"ddl\" : \"id STRING,ts TIMESTAMP,_extra STRING\"");
    assertThat(codec.decode(codec.encode(m), "m.json")).isEqualTo(m);
    assertThat(ArchiveSchema.fingerprint("id STRING")).hasSize(16)
        .isNotEqualTo(ArchiveSchema.fingerprint("id STRING,v INT"));
  }

  @Test
  void omitsNoUnknownFieldsAndReadsManifestsWrittenBeforeThem() {
    CommitManifest old = Manifests.manifest(1, "q", 0, 10, 0);
    String json = new String(codec.encode(old), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("unknownFields").doesNotContain("\"schema\"");
    CommitManifest read = codec.decode(json.getBytes(StandardCharsets.UTF_8), "m.json");
    assertThat(read.unknownFields()).isEmpty();
    assertThat(read.schema()).isEmpty();
  }
}
