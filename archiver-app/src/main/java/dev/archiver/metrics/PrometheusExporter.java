package dev.archiver.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each batch's metrics as Prometheus gauges and counters on a {@code /metrics} endpoint ({@code
 * metrics.prometheus-port}); core's {@link MetricsReporter} finds it through {@link Provider}.
 */
public final class PrometheusExporter implements MetricsExporter {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusExporter.class);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private HTTPServer server;
  private final Counter records = Counter.builder().name("archiver_records_total")
      .help("Kafka records read, by outcome").labelNames("outcome").register(registry);
  private final Counter batches = Counter.builder().name("archiver_batches_total").help("Committed batches")
      .register(registry);
  private final Counter bytesWritten = Counter.builder().name("archiver_written_bytes_total")
      .help("Bytes of archive files written").register(registry);
  private final Counter files = Counter.builder().name("archiver_files_written_total")
      .help("Archive files written").register(registry);
  private final Gauge duration = Gauge.builder().name("archiver_batch_duration_seconds")
      .help("Duration of the last batch").register(registry);
  private final Gauge rate = Gauge.builder().name("archiver_batch_records_per_second")
      .help("Records per second of the last batch").register(registry);
  private final Gauge limit = Gauge.builder().name("archiver_intake_limit_records")
      .help("Intake limit of the next batch, as the back-pressure policy decided").register(registry);
  private final Gauge lag = Gauge.builder().name("archiver_partition_lag_records")
      .help("Records behind the latest offset when the last batch was planned").labelNames("topic_partition")
      .register(registry);
  private final Gauge heapUsed = Gauge.builder().name("archiver_heap_used_peak_bytes")
      .help("Peak JVM heap in use during the last batch").register(registry);
  private final Gauge heapLive = Gauge.builder().name("archiver_heap_live_peak_bytes")
      .help("Peak live JVM heap (after GC) during the last batch").register(registry);
  private final Gauge heapAlert = Gauge.builder().name("archiver_heap_alert")
      .help("1 when the last batch's heap peak passed metrics.heap-alert-ratio of the max heap").register(registry);

  /** Registered in {@code META-INF/services/dev.archiver.metrics.MetricsExporter$Provider}. */
  public static final class Provider implements MetricsExporter.Provider {
    @Override
    public MetricsExporter start(int port) {
      PrometheusExporter exporter = new PrometheusExporter();
      exporter.serve(port);
      return exporter;
    }
  }

  private void serve(int port) {
    try {
      server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
      LOG.info("Prometheus metrics on http://localhost:{}/metrics", server.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on port " + port + " (metrics.prometheus-port): "
          + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Integer> port() {
    return Optional.ofNullable(server).map(HTTPServer::getPort);
  }

  @Override
  public void export(BatchMetrics m) {
    records.labelValues("archived").inc(m.archived());
    records.labelValues("quarantined").inc(m.quarantined());
    batches.inc();
    bytesWritten.inc(m.bytesWritten());
    files.inc(m.filesWritten());
    duration.set(m.durationMs() / 1000.0);
    rate.set(m.recordsPerSecond());
    limit.set(m.nextLimit());
    m.lag().forEach((tp, records) -> lag.labelValues(tp).set(records));
    heapUsed.set(m.heapUsedPeakBytes());
    heapLive.set(m.heapLivePeakBytes());
    heapAlert.set(m.heapAlert() ? 1 : 0);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
