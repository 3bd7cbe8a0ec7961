package dev.archiver.listener;

import dev.archiver.Sleeper;
import dev.archiver.config.ArchiverConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The notifiers a config asks for, each behind its own {@link AsyncNotifier}; close them to drain. */
public final class CommitListeners implements AutoCloseable {
  private final List<AsyncNotifier> notifiers;

  private CommitListeners(List<AsyncNotifier> notifiers) {
    this.notifiers = List.copyOf(notifiers);
  }

  public static CommitListeners fromConfig(ArchiverConfig config) {
    ArchiverConfig.Notify n = config.notifications();
    AsyncNotifier.Retry retry = new AsyncNotifier.Retry(n.maxAttempts(), n.initialBackoff(), Sleeper.REAL);
    String manifests = config.output().manifests();
    List<AsyncNotifier> out = new ArrayList<>();
    n.command().ifPresent(c -> out.add(new AsyncNotifier("command",
        new CommandListener(c, manifests, n.commandTimeout()), n.queueCapacity(), retry)));
    n.airflow().ifPresent(a -> out.add(new AsyncNotifier("airflow", AirflowListener.create(
        new AirflowListener.Target(URI.create(a.url()), a.dagId(), a.token(), a.username(), a.password()), manifests),
        n.queueCapacity(), retry)));
    return new CommitListeners(out);
  }

  public List<CommitListener> listeners() {
    return List.copyOf(notifiers);
  }

  /** Waits for queued notifications (a nightly run's last batch) before the job exits. */
  @Override
  public void close() {
    notifiers.forEach(n -> n.close(Duration.ofMinutes(2)));
  }
}
