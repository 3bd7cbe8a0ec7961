package dev.archiver.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.archiver.testing.Manifests;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a small HTTP server speaking the two Airflow 3 endpoints the listener uses. */
class AirflowListenerTest {
  private HttpServer server;
  private final List<JsonNode> runs = new CopyOnWriteArrayList<>();
  private final List<String> auth = new CopyOnWriteArrayList<>();
  private final AtomicInteger status = new AtomicInteger(200);

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/auth/token", ex -> {
      JsonNode creds = new ObjectMapper().readTree(ex.getRequestBody());
      boolean ok = creds.path("password").asText().equals("pw");
      byte[] body = (ok ? "{\"access_token\":\"jwt-123\"}" : "{}").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 201 : 401, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/api/v2/dags/archiver_dbt_batch/dagRuns", ex -> {
      JsonNode run = new ObjectMapper().readTree(ex.getRequestBody());
      auth.add(ex.getRequestHeaders().getFirst("Authorization"));
      boolean duplicate = runs.stream().anyMatch(r -> r.get("dag_run_id").equals(run.get("dag_run_id")));
      runs.add(run);
      int code = duplicate ? 409 : status.get();
      ex.sendResponseHeaders(code, -1);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private AirflowListener listener(Optional<String> token, Optional<String> password) {
    return new AirflowListener(new AirflowListener.Target(URI.create("http://127.0.0.1:"
        + server.getAddress().getPort()), "archiver_dbt_batch", token, Optional.of("archiver"), password),
        "s3a://lake/archive/_archiver/manifests");
  }

  @Test
  void triggersOneRunPerBatchWithTheBatchInItsConf() {
    AirflowListener l = listener(Optional.of("tok"), Optional.empty());
    l.onCommitted(Manifests.manifest(7, "q-1", 0, 10, 0));
    JsonNode run = runs.get(0);
    assertThat(run.get("dag_run_id").asText()).matches("archiver__[0-9a-f]{12}__00000000000000000007");
    assertThat(run.get("conf").get("manifest").asText())
        .isEqualTo("s3a://lake/archive/_archiver/manifests/00000000000000000007.json");
    assertThat(run.get("conf").get("batch_id").asLong()).isEqualTo(7);
    assertThat(run.has("logical_date")).isTrue();
    assertThat(auth).containsExactly("Bearer tok");
  }

  @Test
  void aRepeatedNotificationFindsItsRunAndDoesNotFail() {
    AirflowListener l = listener(Optional.of("tok"), Optional.empty());
    l.onCommitted(Manifests.manifest(7, "q-1", 0, 10, 0));
    l.onCommitted(Manifests.manifest(7, "q-1", 0, 10, 0));
    assertThat(runs).hasSize(2);
    assertThat(runs.get(1).get("dag_run_id")).isEqualTo(runs.get(0).get("dag_run_id"));
  }

  @Test
  void exchangesUsernameAndPasswordForAToken() {
    listener(Optional.empty(), Optional.of("pw")).onCommitted(Manifests.manifest(1, "q", 0, 10, 0));
    assertThat(auth).containsExactly("Bearer jwt-123");
    assertThatThrownBy(() -> listener(Optional.empty(), Optional.of("wrong"))
        .onCommitted(Manifests.manifest(2, "q", 0, 10, 0))).hasMessageContaining("refused the credentials");
  }

  @Test
  void serverErrorsAreFailuresToRetry() {
    status.set(503);
    assertThatThrownBy(() -> listener(Optional.of("t"), Optional.empty())
        .onCommitted(Manifests.manifest(1, "q", 0, 10, 0))).hasMessageContaining("Airflow answered 503");
  }
}
