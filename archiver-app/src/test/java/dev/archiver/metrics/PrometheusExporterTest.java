package dev.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Through core's {@link MetricsReporter}: the exporter is found on the classpath, as the job finds it. */
class PrometheusExporterTest {
  private static BatchMetrics batch(long id, boolean alert) {
    return new BatchMetrics(id, 1000, 990, 10, 400_000, 2000, 500.0, 1000, 1500, "adaptive", "grow",
        Map.of("events-0", 42L), 300L << 20, 100L << 20, 1L << 30, 4, 123_456, alert);
  }

  @Test
  void servesPrometheusMetricsOfEachBatch() throws Exception {
    try (MetricsReporter reporter = new MetricsReporter(Optional.of(0))) {
      reporter.report(batch(1, false));
      reporter.report(batch(2, true));
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + reporter.port().orElseThrow() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(body).contains("archiver_records_total{outcome=\"archived\"} 1980.0",
          "archiver_records_total{outcome=\"quarantined\"} 20.0", "archiver_batches_total 2.0",
          "archiver_intake_limit_records 1500.0", "archiver_partition_lag_records{topic_partition=\"events-0\"} 42.0",
          "archiver_heap_alert 1.0", "archiver_written_bytes_total 246912.0");
    }
  }
}
