package dev.archiver.listener;

import dev.archiver.commit.CommitManifest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a local command after each commit, through {@code /bin/sh -c}: {@code {manifest}} and {@code {batchId}} in
 * the command are replaced (the manifest URI shell-quoted), and the environment carries {@code ARCHIVER_MANIFEST}
 * and {@code ARCHIVER_BATCH_ID}. A non-zero exit or a timeout is a failure, which the {@link AsyncNotifier} retries.
 * A command still running at the timeout is killed with its whole process group, children included, so a hung
 * command costs the notifier one timeout, never its later notifications.
 */
public final class CommandListener implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(CommandListener.class);
  /** What a failure message quotes of the command's output: its end, where the error usually is. */
  private static final int TAIL_BYTES = 8192;

  private final String command;
  private final String manifestsDir;
  private final Duration timeout;

  /** @param manifestsDir URI of the manifests directory ({@code <output>/_archiver/manifests}) */
  public CommandListener(String command, String manifestsDir, Duration timeout) {
    this.command = command;
    this.manifestsDir = manifestsDir.endsWith("/") ? manifestsDir : manifestsDir + "/";
    this.timeout = timeout;
  }

  @Override
  public void onCommitted(CommitManifest manifest) {
    String uri = manifestUri(manifest);
    String line = command.replace("{manifest}", "'" + uri.replace("'", "'\\''") + "'")
        .replace("{batchId}", Long.toString(manifest.batchId()));
    Path output = null;
    try {
      // Output goes to a file, not a pipe: a pipe is read to its end, which a background child holding it open
      // postpones past the timeout (and forever, for a daemon).
      output = Files.createTempFile("archiver-notify-", ".log");
      ProcessBuilder pb = ProcessGroup.command(line).redirectErrorStream(true).redirectOutput(output.toFile());
      pb.environment().put("ARCHIVER_MANIFEST", uri);
      pb.environment().put("ARCHIVER_BATCH_ID", Long.toString(manifest.batchId()));
      Process process = pb.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // The notifier is shutting down past its drain timeout: leave nothing running (holding dbt's locks).
        ProcessGroup.kill(process);
        throw e;
      }
      if (!finished) {
        ProcessGroup.kill(process);
        throw new IllegalStateException("command timed out after " + timeout.toMillis()
            + " ms (notify.command-timeout); killed it and its process group" + lastLine(tail(output)));
      }
      String text = tail(output);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("command exited " + process.exitValue() + lastLine(text));
      }
      LOG.info("batch {}: command done{}", manifest.batchId(), lastLine(text));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run the command: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      if (output != null) {
        output.toFile().delete();
      }
    }
  }

  String manifestUri(CommitManifest manifest) {
    return manifestsDir + CommitManifest.fileName(manifest.batchId());
  }

  private static String tail(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(0, f.length() - TAIL_BYTES);
      byte[] bytes = new byte[(int) (f.length() - start)];
      f.seek(start);
      f.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).strip();
    }
  }

  /** ": <last line>", or nothing when there was no output. */
  private static String lastLine(String text) {
    int nl = text.lastIndexOf('\n');
    String last = nl < 0 ? text : text.substring(nl + 1);
    return last.isEmpty() ? "" : ": " + last;
  }
}
