package dev.archiver.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.Sleeper;
import dev.archiver.testing.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aHungCommandIsKilledWithItsWholeProcessGroupAtTheTimeout() throws Exception {
    // The shell starts a background child that holds the output open, then waits on it: the shape of a hung dbt.
    Path child = dir.resolve("child.pid");
    CommandListener listener = new CommandListener("echo started; sleep 300 & echo $! > " + child + "; wait",
        "file:/m", Duration.ofMillis(500));
    long started = System.nanoTime();
    assertThatThrownBy(() -> listener.onCommitted(Manifests.manifest(1, "q", 0, 10, 0)))
        .hasMessageContaining("timed out after 500 ms (notify.command-timeout)");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("returns at the timeout, not when the child ends")
        .isLessThan(Duration.ofSeconds(15));
    long pid = Long.parseLong(Files.readString(child).strip());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (running(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(running(pid)).as("the background child %d was killed too", pid).isFalse();
  }

  /** Alive and not a zombie: the orphaned child is killed, but a container's init may never reap it. */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.exists(Path.of("/proc/self/stat"))) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    try {
      String text = Files.readString(stat);
      return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
    } catch (java.nio.file.NoSuchFileException gone) {
      return false;
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aHungCommandDoesNotHoldBackLaterNotifications() throws Exception {
    Path delivered = dir.resolve("delivered");
    CommandListener listener = new CommandListener("if [ \"$ARCHIVER_BATCH_ID\" = 1 ]; then sleep 300; fi; "
        + "echo $ARCHIVER_BATCH_ID >> " + delivered, "file:/m", Duration.ofMillis(500));
    AsyncNotifier notifier = new AsyncNotifier("command", listener, 10,
        new AsyncNotifier.Retry(2, Duration.ofMillis(10), Sleeper.REAL));
    notifier.onCommitted(Manifests.manifest(1, "q", 0, 10, 0));
    notifier.onCommitted(Manifests.manifest(2, "q", 10, 20, 0));
    notifier.onCommitted(Manifests.manifest(3, "q", 20, 30, 0));
    notifier.close(Duration.ofSeconds(20));
    assertThat(Files.readAllLines(delivered)).as("batch 1 timed out twice and was given up; 2 and 3 were run")
        .containsExactly("2", "3");
  }
}
