package dev.archiver.vacuum;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.testing.Manifests;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VacuumTest {
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private final List<String> deleted = new ArrayList<>();
  private final List<ArchiveStorage.StoredFile> files = new ArrayList<>();

  private final ArchiveStorage storage = new ArchiveStorage() {
    @Override
    public List<StoredFile> listData(String root) {
      return files.stream().filter(f -> f.uri().startsWith(root + "/")).toList();
    }

    @Override
    public String qualify(String root) {
      return root;
    }

    @Override
    public void delete(String uri) {
      deleted.add(uri);
    }
  };

  private void file(String uri, Duration age) {
    files.add(new ArchiveStorage.StoredFile(uri, 100, NOW.minus(age)));
  }

  @Test
  void deletesOldUnlistedFilesOnlyAndNeverAListedOne() {
    String listed = "file:/archive/event_date=2026-11-25/part-00000000000000000003-00000.c000.snappy.parquet";
    String listedBad = "file:/archive/_quarantine/part-00000000000000000003-00000-c000.snappy.parquet";
    file(listed, Duration.ofDays(30));
    file("file:/archive/event_date=2026-11-25/.part-00000000000000000003-00000.c000.snappy.parquet.crc",
        Duration.ofDays(30));
    file(listedBad, Duration.ofDays(30));
    file("file:/archive/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet",
        Duration.ofDays(2));
    file("file:/archive/event_date=2026-11-25/part-00000000000000000010-00000.c000.snappy.parquet",
        Duration.ofMinutes(5));

    Vacuum.Result dry = new Vacuum(storage).run(List.of("file:/archive", "file:/archive/_quarantine"),
        List.of(Manifests.manifest(3, "q", 0, 10, 1)), Duration.ofHours(24), NOW, true);
    assertThat(dry.orphans()).extracting(ArchiveStorage.StoredFile::uri)
        .containsExactly("file:/archive/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet");
    assertThat(dry.keptYoung()).as("a batch being written now is left alone").isEqualTo(1);
    assertThat(deleted).as("dry run").isEmpty();

    new Vacuum(storage).run(List.of("file:/archive", "file:/archive/_quarantine"),
        List.of(Manifests.manifest(3, "q", 0, 10, 1)), Duration.ofHours(24), NOW, false);
    assertThat(deleted).containsExactly(
        "file:/archive/event_date=2026-11-25/part-00000000000000000009-00001.c000.snappy.parquet");
  }
}
