package dev.archiver.listener;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.commit.CommitManifest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers one Airflow DAG run per committed batch through Airflow 3's REST API
 * ({@code POST /api/v2/dags/{dagId}/dagRuns}), with the batch in the run's conf. The run id derives from the archive
 * root and the batch id, so a retried or replayed notification finds its run already there (HTTP 409) instead of
 * starting a second one. Auth: a bearer token, or a username and password exchanged at {@code /auth/token}.
 */
public final class AirflowListener implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(AirflowListener.class);

  /** Where and how to reach Airflow. Secrets stay in memory; they are redacted from every dump. */
  public record Target(URI baseUrl, String dagId, Optional<String> token, Optional<String> username,
      Optional<String> password) {
  }

  private final Target target;
  private final String manifestsDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ObjectMapper json = new ObjectMapper();

  public AirflowListener(Target target, String manifestsDir) {
    this.target = target;
    this.manifestsDir = manifestsDir.endsWith("/") ? manifestsDir : manifestsDir + "/";
  }

  @Override
  public void onCommitted(CommitManifest manifest) {
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("manifest", manifestsDir + CommitManifest.fileName(manifest.batchId()));
    conf.put("batch_id", manifest.batchId());
    conf.put("archive_root", manifest.archiveRoot());
    conf.put("query_id", manifest.queryId());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dag_run_id", runId(manifest));
    body.put("logical_date", null);
    body.put("conf", conf);
    HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint("/api/v2/dags/" + target.dagId()
        + "/dagRuns")).header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(write(body))).build());
    if (response.statusCode() == 409) {
      LOG.info("batch {}: Airflow run {} exists already", manifest.batchId(), runId(manifest));
    } else if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException("Airflow answered " + response.statusCode() + ": " + abbreviate(response.body()));
    } else {
      LOG.info("batch {}: triggered Airflow DAG {} run {}", manifest.batchId(), target.dagId(), runId(manifest));
    }
  }

  /** Same batch of the same archive, same run id; Airflow run ids allow letters, digits and {@code ._-~:+}. */
  String runId(CommitManifest manifest) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(manifest.archiveRoot()
          .getBytes(StandardCharsets.UTF_8));
      return "archiver__" + HexFormat.of().formatHex(digest, 0, 6) + "__" + String.format("%020d",
          manifest.batchId());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String token() {
    if (target.token().isPresent()) {
      return target.token().get();
    }
    Map<String, String> credentials = Map.of("username", target.username().orElseThrow(),
        "password", target.password().orElseThrow());
    HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint("/auth/token"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(write(credentials)))
        .build());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException("Airflow refused the credentials of notify.airflow.username ("
          + response.statusCode() + ")");
    }
    try {
      return json.readTree(response.body()).path("access_token").asText();
    } catch (IOException e) {
      throw new IllegalStateException("Airflow's /auth/token answer has no access_token", e);
    }
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach Airflow at " + target.baseUrl() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private URI endpoint(String path) {
    String base = target.baseUrl().toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
