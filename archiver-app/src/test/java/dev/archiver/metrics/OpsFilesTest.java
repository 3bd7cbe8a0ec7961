package dev.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.archiver.listener.AsyncNotifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus rules and Grafana dashboard (ops/) name only series that exist: the metrics the real exporter
 * serves, or the rules' own recordings. A renamed metric fails here, not silently on a dashboard at 3 a.m.
 */
class OpsFilesTest {
  private static final Path OPS = Path.of("../ops");
  private static final Pattern NAME = Pattern.compile("\\b(archiver[a-z_]*:[a-z0-9_:]+|archiver_[a-z0-9_]+)\\b");

  @Test
  void theDashboardParsesDocumentsEachPanelAndUsesOnlyExportedOrRecordedSeries() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(OPS.resolve("grafana/archiver-dashboard.json").toFile());
    Set<String> known = new TreeSet<>(exported());
    known.addAll(recorded());
    Set<String> used = new TreeSet<>();
    assertThat(dashboard.get("panels")).isNotEmpty();
    for (JsonNode panel : dashboard.get("panels")) {
      assertThat(panel.path("description").asText()).as("panel '%s' documented", panel.path("title").asText())
          .hasSizeGreaterThan(20);
      assertThat(panel.get("targets")).as(panel.path("title").asText()).isNotEmpty();
      panel.get("targets").forEach(t -> used.addAll(names(t.get("expr").asText())));
    }
    assertThat(known).as("series the exporter serves or the rules record").containsAll(used);
    assertThat(used).as("the dashboard shows every alerting series").contains("archiver_data_loss_records_total",
        "archiver_notifications_given_up_total", "archiver_heap_alert", "archiver:lag_records:sum");
  }

  @Test
  void theRulesUseOnlyExportedSeries() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(OPS.resolve("prometheus/archiver-rules.yml")
        .toFile());
    Set<String> used = new TreeSet<>();
    rules.get("groups").forEach(g -> g.get("rules").forEach(r -> used.addAll(names(r.get("expr").asText()))));
    Set<String> known = new TreeSet<>(exported());
    known.addAll(recorded());
    assertThat(known).containsAll(used);
  }

  /** Every sample name a real {@link MetricsReporter} serves after a batch, a data loss and a notifier. */
  private static Set<String> exported() throws Exception {
    AsyncNotifier notifier = new AsyncNotifier("airflow", m -> { }, 1, new AsyncNotifier.Retry(1, Duration.ZERO,
        d -> { }));
    try (MetricsReporter reporter = new MetricsReporter(Optional.of(0))) {
      reporter.watch(List.of(notifier));
      reporter.report(new BatchMetrics(0, 1, 1, 0, 1, 1, 1, 1, 1, "fixed", "", Map.of("t-0", 0L), 1, 1, 1, 1, 1,
          false));
      reporter.dataLoss(0, 0);
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + reporter.port().orElseThrow() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      Set<String> names = new TreeSet<>();
      body.lines().filter(l -> l.startsWith("archiver_")).forEach(l -> names.add(l.split("[{ ]", 2)[0]));
      return names;
    } finally {
      notifier.close(Duration.ofSeconds(1));
    }
  }

  private static Set<String> recorded() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(OPS.resolve("prometheus/archiver-rules.yml")
        .toFile());
    Set<String> out = new TreeSet<>();
    rules.get("groups").forEach(g -> g.get("rules").forEach(r -> {
      if (r.has("record")) {
        out.add(r.get("record").asText());
      }
    }));
    assertThat(out).isNotEmpty();
    return out;
  }

  private static Set<String> names(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(expr);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static {
    // The files are read relative to the module, as Maven runs its tests.
    if (!Files.isDirectory(OPS)) {
      throw new IllegalStateException("no " + OPS.toAbsolutePath() + ": run from archiver-core/ (mvn does)");
    }
  }
}
