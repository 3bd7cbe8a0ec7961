package dev.archiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackfillCommandTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ArchiverCli cli = new ArchiverCli(new PrintStream(new ByteArrayOutputStream(), true,
      StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Path.of("."), FakeEngine::new);

  @Test
  void theReArchiveGetsItsOwnQuarantineAndCheckpointWhateverTheLiveJobSet() {
    Map<String, String> live = Map.of("output.path", "s3a://b/live", "output.quarantine", "s3a://b/shared-q",
        "output.checkpoint", "s3a://b/cp", "source.topic", "t");
    assertThat(BackfillCommand.retarget(live, "s3a://b/other/")).containsEntry("output.path", "s3a://b/other")
        .containsEntry("output.quarantine", "s3a://b/other/_quarantine")
        .containsEntry("output.checkpoint", "s3a://b/other/_archiver/checkpoint").containsEntry("source.topic", "t");
  }

  @Test
  void badFlagsAreUsageErrorsNamingTheFix() {
    assertThat(cli.execute(new String[] {"backfill", "--from-batch", "5", "--to-batch", "3", "--output", "/x"}))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--to-batch 3 is below --from-batch 5");
    assertThat(cli.execute(new String[] {"backfill", "--from-batch", "1", "--to-batch", "3"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--output is required");
    assertThat(cli.execute(new String[] {"backfill", "--from-batch", "1", "--to-batch", "3", "--output", "/x"}))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("give --config with the live job's output.path");
  }
}
