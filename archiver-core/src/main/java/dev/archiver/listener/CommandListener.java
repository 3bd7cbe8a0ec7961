package dev.archiver.listener;

import dev.archiver.commit.CommitManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a local command after each commit, through {@code /bin/sh -c}: {@code {manifest}} and {@code {batchId}} in
 * the command are replaced (the manifest URI shell-quoted), and the environment carries {@code ARCHIVER_MANIFEST}
 * and {@code ARCHIVER_BATCH_ID}. A non-zero exit or a timeout is a failure, which the {@link AsyncNotifier} retries.
 */
public final class CommandListener implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(CommandListener.class);
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
    ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", line)).redirectErrorStream(true);
    pb.environment().put("ARCHIVER_MANIFEST", uri);
    pb.environment().put("ARCHIVER_BATCH_ID", Long.toString(manifest.batchId()));
    try {
      Process process = pb.start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("command timed out after " + timeout.toSeconds() + "s");
      }
      String text = new String(output, StandardCharsets.UTF_8).strip();
      if (process.exitValue() != 0) {
        throw new IllegalStateException("command exited " + process.exitValue() + ": " + lastLine(text));
      }
      LOG.info("batch {}: command done{}", manifest.batchId(), text.isEmpty() ? "" : ": " + lastLine(text));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run the command: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  String manifestUri(CommitManifest manifest) {
    return manifestsDir + CommitManifest.fileName(manifest.batchId());
  }

  private static String lastLine(String text) {
    int nl = text.lastIndexOf('\n');
    return nl < 0 ? text : text.substring(nl + 1);
  }
}
