package dev.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.config.ConfigException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MetricsReporterTest {
  @Test
  void withoutAPortNoExporterIsNeeded() {
    try (MetricsReporter reporter = new MetricsReporter(Optional.empty())) {
      reporter.report(new BatchMetrics(1, 10, 10, 0, 100, 1, 10.0, 10, 10, "fixed", "fixed", Map.of(), 1, 1, 2, 1,
          100, false));
      assertThat(reporter.port()).isEmpty();
    }
  }

  @Test
  void aPrometheusPortWithoutAnExporterOnTheClasspathNamesTheKeyAndTheFix() {
    // core's own classpath has no exporter: archiver-app brings the Prometheus one.
    assertThatThrownBy(() -> new MetricsReporter(Optional.of(0))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("metrics.prometheus-port").hasMessageContaining("archiver-app");
  }
}
