package dev.archiver.spark.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.Ports;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.kafka.LocalKafka;
import dev.archiver.spark.job.ArchiveJob;
import dev.archiver.spark.testing.LocalKafkaExtension;
import dev.archiver.spark.testing.SparkIT;
import dev.archiver.spark.testing.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: Debian's Prometheus (bin/setup-prometheus installs it; bin/test runs that first) with the shipped rules:
 * promtool checks and unit-tests ops/prometheus/, and a real Prometheus scrapes a running archiver, its HTTP API then
 * answering with the archiver's series and the rules' recordings. Nothing is skipped: without promtool this fails.
 */
@ExtendWith(LocalKafkaExtension.class)
class PrometheusIT extends SparkIT {
  private static final Path RULES_DIR = Path.of("../ops/prometheus").toAbsolutePath().normalize();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @Test
  void promtoolChecksAndUnitTestsTheShippedRules() throws Exception {
    String check = tool(RULES_DIR, "promtool", "check", "rules", "archiver-rules.yml");
    assertThat(check).contains("SUCCESS: 11 rules found");
    String test = tool(RULES_DIR, "promtool", "test", "rules", "archiver-rules.test.yml");
    assertThat(test).contains("SUCCESS");
  }

  @Test
  void aRealPrometheusScrapesARunningArchiverAndEvaluatesTheRules(LocalKafka kafka) throws Exception {
    String topic = "prometheus-" + UUID.randomUUID();
    Topics.produce(kafka.bootstrapServers(), topic, 100, 0);
    int metricsPort = Ports.free();
    ArchiverConfig config = Topics.config(kafka.bootstrapServers(), topic, dir.resolve("archive").toString(),
        Map.of("trigger.mode", "processing-time", "trigger.interval", "1s",
            "metrics.prometheus-port", Integer.toString(metricsPort)));
    ArchiveJob job = new ArchiveJob(spark(), config, List.of());
    Thread running = new Thread(job::run, "archive-job");
    running.start();
    int webPort = Ports.free();
    Path yml = Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
        "global: {scrape_interval: 1s, evaluation_interval: 1s}",
        "rule_files: ['" + RULES_DIR.resolve("archiver-rules.yml") + "']",
        "scrape_configs:",
        "  - job_name: archiver",
        "    static_configs: [{targets: ['127.0.0.1:" + metricsPort + "']}]", ""));
    Process prometheus = new ProcessBuilder(executable("prometheus"), "--config.file=" + yml,
        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + webPort)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    try {
      String api = "http://127.0.0.1:" + webPort + "/api/v1/";
      JsonNode batches = await(api, "archiver_batches_total", v -> v >= 1);
      assertThat(batches.at("/metric/job").asText()).isEqualTo("archiver");
      await(api, "up{job=\"archiver\"}", v -> v == 1);
      await(api, "archiver_records_total{outcome=\"archived\"}", v -> v == 100);
      // The recording rules evaluated over the scraped series.
      await(api, "archiver:lag_records:sum", v -> v == 0);
      await(api, "archiver:heap_live_ratio", v -> v > 0 && v < 1);
      JsonNode rules = get(api + "rules");
      assertThat(rules.toString()).contains("\"name\":\"ArchiverLagGrowing\"", "\"name\":\"ArchiverNotifierGivingUp\"",
          "\"health\":\"ok\"").doesNotContain("\"health\":\"err\"");
    } finally {
      prometheus.destroy();
      prometheus.waitFor(30, TimeUnit.SECONDS);
      job.stop();
      running.join(60_000);
    }
  }

  /** The first sample of the instant query once it satisfies the condition; fails after 60 s with the last answer. */
  private static JsonNode await(String api, String query, java.util.function.DoublePredicate ok) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get(api + "query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        JsonNode result = last.at("/data/result");
        if (result.size() > 0 && ok.test(result.get(0).at("/value/1").asDouble())) {
          return result.get(0);
        }
      } catch (IOException notUpYet) {
        last = null;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("Prometheus never answered " + query + " as expected; last answer: " + last);
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(response.body());
  }

  private static String executable(String name) {
    Optional<Path> found = List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
        .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    assertThat(found).as(name + " on the PATH (bin/setup-prometheus installs Debian's prometheus package)")
        .isPresent();
    return found.get().toString();
  }

  private static String tool(Path workDir, String name, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(executable(name)));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
