package dev.archiver.spark.commit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.ArchiveLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopCommitLogTest {
  @TempDir
  Path output;

  @Test
  void listsNamesAfterAStartKeyAndTheNewestWithoutReadingManifests() throws Exception {
    HadoopCommitLog log = new HadoopCommitLog(output.toString(), new Configuration());
    assertThat(log.batchIdsAfter(-1)).as("no manifests directory yet").isEmpty();
    assertThat(log.latestBatchId()).isEmpty();

    Path dir = Files.createDirectories(output.resolve(ArchiveLayout.MANIFESTS_DIR));
    for (long id : List.of(0L, 1L, 2L, 9L, 10L, 11L)) {
      // Bodies that are not manifests: a listing that read one would fail.
      Files.writeString(dir.resolve(ArchiveLayout.numberedName(id)), "not json");
    }
    Files.writeString(dir.resolve(".00000000000000000012.json.tmp"), "a temp file is not a commit");

    assertThat(log.batchIdsAfter(9)).containsExactly(10L, 11L);
    assertThat(log.batchIdsAfter(-1)).containsExactly(0L, 1L, 2L, 9L, 10L, 11L);
    assertThat(log.batchIds()).isEqualTo(log.batchIdsAfter(-1));
    assertThat(log.batchIdsAfter(11)).isEmpty();
    assertThat(log.latestBatchId()).isEqualTo(Optional.of(11L));
  }
}
