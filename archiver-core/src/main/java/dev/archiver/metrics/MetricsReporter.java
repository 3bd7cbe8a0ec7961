package dev.archiver.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.config.ConfigError;
import dev.archiver.config.ConfigException;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each batch's metrics: one JSON line on the {@code dev.archiver.metrics} logger, a warning when the heap
 * peak passes the alert ratio, and, with a Prometheus port, the {@link MetricsExporter} the classpath provides
 * (archiver-app's {@code /metrics} endpoint).
 */
public final class MetricsReporter implements AutoCloseable {
  private static final Logger JSON_LOG = LoggerFactory.getLogger("dev.archiver.metrics");
  private static final Logger LOG = LoggerFactory.getLogger(MetricsReporter.class);

  private final ObjectMapper json = new ObjectMapper();
  private final Optional<MetricsExporter> exporter;

  /** A reporter; with a port, it also starts the classpath's exporter on it. */
  public MetricsReporter(Optional<Integer> prometheusPort) {
    this.exporter = prometheusPort.map(MetricsReporter::exporter);
  }

  private static MetricsExporter exporter(int port) {
    MetricsExporter.Provider provider = ServiceLoader.load(MetricsExporter.Provider.class).findFirst()
        .orElseThrow(() -> new ConfigException(List.of(new ConfigError("metrics.prometheus-port",
            "no metrics exporter on the classpath; add dev.archiver:archiver-app (its Prometheus exporter) or unset"
                + " metrics.prometheus-port"))));
    return provider.start(port);
  }

  public Optional<Integer> port() {
    return exporter.flatMap(MetricsExporter::port);
  }

  public void report(BatchMetrics m) {
    try {
      JSON_LOG.info(json.writeValueAsString(m));
    } catch (JsonProcessingException e) {
      LOG.warn("cannot render batch metrics: {}", e.getMessage());
    }
    exporter.ifPresent(e -> e.export(m));
    if (m.heapAlert()) {
      LOG.warn("batch {}: heap peak {} MiB passed the alert threshold of the max heap {} MiB", m.batchId(),
          m.heapUsedPeakBytes() >> 20, m.heapMaxBytes() >> 20);
    }
  }

  @Override
  public void close() {
    exporter.ifPresent(MetricsExporter::close);
  }
}
