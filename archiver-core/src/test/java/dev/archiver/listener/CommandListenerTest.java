package dev.archiver.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.testing.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandListenerTest {
  @TempDir
  Path dir;

  @Test
  void passesTheManifestUriAsArgumentAndEnvironment() throws Exception {
    Path out = dir.resolve("out.txt");
    CommandListener listener = new CommandListener("echo {manifest} $ARCHIVER_BATCH_ID $ARCHIVER_MANIFEST > " + out,
        "file:/data/it's here/_archiver/manifests", Duration.ofSeconds(10));
    listener.onCommitted(Manifests.manifest(12, "q", 0, 10, 0));
    String uri = "file:/data/it's here/_archiver/manifests/00000000000000000012.json";
    assertThat(Files.readString(out).strip()).isEqualTo(uri + " 12 " + uri);
  }

  @Test
  void aFailingCommandIsAFailureWithItsLastLine() {
    CommandListener listener = new CommandListener("echo dbt broke; exit 3", "file:/m", Duration.ofSeconds(10));
    assertThatThrownBy(() -> listener.onCommitted(Manifests.manifest(1, "q", 0, 10, 0)))
        .hasMessageContaining("exited 3: dbt broke");
  }
}
