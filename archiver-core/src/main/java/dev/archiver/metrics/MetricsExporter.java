package dev.archiver.metrics;

import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Publishes each batch's metrics to a monitoring system, e.g. the application's Prometheus endpoint
 * ({@code metrics.prometheus-port}). Core declares the seam only: exporters and their dependencies live with the
 * application ({@code archiver-app}), found through {@link ServiceLoader} by {@link Provider}.
 *
 * <p>Failure contract: {@link #export} must not throw for a monitoring outage (log and go on; a batch is committed
 * before its metrics are exported); {@link Provider#start} throws when the exporter cannot start (port taken), which
 * stops the job before it reads a record.
 */
public interface MetricsExporter extends AutoCloseable {
  void export(BatchMetrics metrics);

  /** The port the exporter listens on, when it serves one. */
  default Optional<Integer> port() {
    return Optional.empty();
  }

  @Override
  void close();

  /** Creates an exporter for a Prometheus port; registered in {@code META-INF/services}. */
  interface Provider {
    MetricsExporter start(int port);
  }
}
