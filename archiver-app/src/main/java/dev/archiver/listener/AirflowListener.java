package dev.archiver.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.Redaction;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers one Airflow DAG run per committed batch through Airflow 3's REST API
 * ({@code POST /api/v2/dags/{dagId}/dagRuns}), with the batch in the run's conf. The run id derives from the archive
 * root, the query id and the batch id, so a retried or replayed notification finds its run already there (HTTP 409)
 * instead of starting a second one, while an archive recreated at the same root (a new query) gets runs of its own.
 * Auth: a bearer token, or a username and password exchanged at {@code /auth/token} (kept until Airflow refuses it).
 *
 * <p>Failure contract: every failure (Airflow unreachable, refused credentials, a non-2xx answer other than 409) is
 * an {@link IllegalStateException} with the cause on one line and no secret in it; the {@link AsyncNotifier} retries
 * it, then gives up, and the manifests stay the truth for the dbt hook's catch-up.
 */
public final class AirflowListener implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(AirflowListener.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** A request Airflow neither answers nor refuses in this time is a failure to retry, not a stuck notifier. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Where and how to reach Airflow. Secrets stay in memory; they are redacted from every dump. */
  public record Target(URI baseUrl, String dagId, Optional<String> token, Optional<String> username,
      Optional<String> password) {
    @Override
    public String toString() {
      return "Target[baseUrl=" + baseUrl + ", dagId=" + dagId + ", username=" + username.orElse("")
          + ", credentials=" + Redaction.MASK + "]";
    }
  }

  private final Target target;
  private final String manifestsDir;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicReference<String> exchanged = new AtomicReference<>();

  AirflowListener(Target target, String manifestsDir, HttpClient http) {
    this.target = target;
    this.manifestsDir = manifestsDir.endsWith("/") ? manifestsDir : manifestsDir + "/";
    this.http = http;
  }

  /** @param manifestsDir URI of the manifests directory ({@code <output>/_archiver/manifests}) */
  public static AirflowListener create(Target target, String manifestsDir) {
    return new AirflowListener(target, manifestsDir, httpClient());
  }

  /**
   * HTTP/1.1 only. The JDK client's default, HTTP/2, makes it send a plain {@code http://} request with h2c upgrade
   * headers ({@code Connection: Upgrade, HTTP2-Settings}, {@code Upgrade: h2c}); Airflow's API server (uvicorn)
   * speaks no HTTP/2 and answers "400 Invalid HTTP request received" or reads no body (a 422, a JSONDecodeError at
   * /auth/token). Over https the version only limits what ALPN offers. Trusted CAs are the JVM's
   * ({@code -Djavax.net.ssl.trustStore=...} for a private one).
   */
  static HttpClient httpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
  }

  @Override
  public void onCommitted(CommitManifest manifest) {
    String runId = runId(manifest);
    HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint("/api/v2/dags/" + target.dagId()
        + "/dagRuns")).header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(write(body(manifest, runId)))).build());
    int status = response.statusCode();
    if (status == 409) {
      LOG.info("batch {}: Airflow run {} exists already", manifest.batchId(), runId);
    } else if (status == 401 || status == 403) {
      exchanged.set(null); // an exchanged token may have expired: the next attempt asks for a new one
      throw new IllegalStateException("Airflow refused the token (" + status + ") on DAG " + target.dagId()
          + ": check notify.airflow.token (or username/password) and that the user may trigger that DAG; "
          + abbreviate(response.body()));
    } else if (status / 100 != 2) {
      throw new IllegalStateException("Airflow answered " + status + ": " + abbreviate(response.body()));
    } else {
      LOG.info("batch {}: triggered Airflow DAG {} run {}", manifest.batchId(), target.dagId(), runId);
    }
  }

  /** The request body: the run id, no logical date (Airflow 3 requires the field), the batch as conf. */
  Map<String, Object> body(CommitManifest manifest, String runId) {
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("manifest", manifestsDir + CommitManifest.fileName(manifest.batchId()));
    conf.put("batch_id", manifest.batchId());
    conf.put("archive_root", manifest.archiveRoot());
    conf.put("query_id", manifest.queryId());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dag_run_id", runId);
    body.put("logical_date", null);
    body.put("conf", conf);
    return body;
  }

  /**
   * {@code archiver__<12 hex digits>__<batch id, 20 digits>}, the digits a hash of the archive root and the query
   * id: the same batch of the same query, the same run id. Airflow run ids allow letters, digits and {@code ._-~:+}.
   */
  static String runId(CommitManifest manifest) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest((manifest.archiveRoot() + "\n"
          + manifest.queryId()).getBytes(StandardCharsets.UTF_8));
      return "archiver__" + HexFormat.of().formatHex(digest, 0, 6) + "__" + ArchiveLayout.padded(manifest.batchId());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String token() {
    if (target.token().isPresent()) {
      return target.token().get();
    }
    String cached = exchanged.get();
    if (cached != null) {
      return cached;
    }
    Map<String, String> credentials = Map.of("username", target.username().orElseThrow(),
        "password", target.password().orElseThrow());
    HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint("/auth/token"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(write(credentials)))
        .build());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException("Airflow refused the credentials of notify.airflow.username '"
          + target.username().orElseThrow() + "' (" + response.statusCode() + " at /auth/token): check"
          + " notify.airflow.username and notify.airflow.password");
    }
    String token;
    try {
      JsonNode answer = json.readTree(response.body());
      token = answer == null ? "" : answer.path("access_token").asText("");
    } catch (IOException e) {
      token = "";
    }
    if (token.isEmpty()) {
      throw new IllegalStateException("Airflow's /auth/token answer holds no access_token: is " + target.baseUrl()
          + " an Airflow 3 API server?");
    }
    exchanged.set(token);
    return token;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(HttpRequest.newBuilder(request, (name, value) -> true).timeout(REQUEST_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach Airflow at " + target.baseUrl() + ": " + e, e);
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
    String line = s.replaceAll("\\s+", " ").strip();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
