package dev.archiver.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.commit.CommitManifest;
import dev.archiver.testing.Manifests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The listener's own logic and what it puts on the wire. That it works against Airflow is proven against a live
 * Airflow 3 API server by {@code airflow-dags/tests/live/} (bin/test-python), not here.
 */
class AirflowListenerTest {
  private static final String MANIFESTS = "s3a://lake/archive/_archiver/manifests";

  @Test
  void theRunIdNamesTheBatchAndChangesWithTheQuery() {
    CommitManifest batch7 = Manifests.manifest(7, "q-1", 0, 10, 0);
    assertThat(AirflowListener.runId(batch7)).matches("archiver__[0-9a-f]{12}__00000000000000000007")
        .as("a replay of the batch finds its run").isEqualTo(AirflowListener.runId(Manifests.manifest(7, "q-1", 0,
            10, 0)))
        .as("an archive recreated at the same root (a new query) gets a run of its own")
        .isNotEqualTo(AirflowListener.runId(Manifests.manifest(7, "q-2", 0, 10, 0)));
  }

  @Test
  void theBatchIsTheRunsConf() {
    CommitManifest manifest = Manifests.manifest(7, "q-1", 0, 10, 0);
    JsonNode body = new ObjectMapper().valueToTree(listener(Optional.of("t"), Optional.empty(), 1)
        .body(manifest, "run"));
    assertThat(body.get("dag_run_id").asText()).isEqualTo("run");
    assertThat(body.has("logical_date") && body.get("logical_date").isNull()).as("Airflow 3 requires the field")
        .isTrue();
    assertThat(body.get("conf").toString()).isEqualTo("{\"manifest\":\"" + MANIFESTS
        + "/00000000000000000007.json\",\"batch_id\":7,\"archive_root\":\"file:/archive\",\"query_id\":\"q-1\"}");
  }

  @Test
  void requestsGoOutAsHttp11WithTheirBodyAndNoH2cUpgrade() throws Exception {
    try (WireCapture wire = new WireCapture(200, "{}")) {
      listener(Optional.of("tok"), Optional.empty(), wire.port()).onCommitted(Manifests.manifest(7, "q-1", 0, 10, 0));
      String request = wire.request();
      String head = request.substring(0, request.indexOf("\r\n\r\n") + 2).toLowerCase(Locale.ROOT);
      assertThat(head).startsWith("post /api/v2/dags/archiver_dbt_batch/dagruns http/1.1\r\n")
          .contains("\r\nauthorization: bearer tok\r\n").contains("\r\ncontent-type: application/json\r\n")
          .as("uvicorn refuses h2c upgrades: 400 Invalid HTTP request").doesNotContain("upgrade")
          .doesNotContain("http2-settings");
      JsonNode body = new ObjectMapper().readTree(request.substring(request.indexOf("\r\n\r\n") + 4));
      assertThat(body.get("conf").get("batch_id").asLong()).isEqualTo(7);
    }
  }

  @Test
  void refusedCredentialsNameTheSettingsAndNeverThePassword() throws Exception {
    try (WireCapture wire = new WireCapture(401, "{\"detail\":\"Invalid credentials\"}")) {
      assertThatThrownBy(() -> listener(Optional.empty(), Optional.of("s3cret-pw"), wire.port())
          .onCommitted(Manifests.manifest(1, "q", 0, 10, 0)))
          .hasMessageContaining("refused the credentials of notify.airflow.username 'archiver' (401 at /auth/token)")
          .hasMessageContaining("notify.airflow.password").message().doesNotContain("s3cret-pw");
      assertThat(wire.request()).startsWith("POST /auth/token HTTP/1.1\r\n").contains("\"password\":\"s3cret-pw\"");
    }
  }

  @Test
  void theTargetsDumpHidesTheSecrets() {
    AirflowListener.Target target = new AirflowListener.Target(URI.create("http://airflow:8080"),
        "archiver_dbt_batch", Optional.of("jwt-token"), Optional.of("archiver"), Optional.of("s3cret-pw"));
    assertThat(target.toString()).contains("http://airflow:8080", "archiver").doesNotContain("jwt-token", "s3cret-pw");
  }

  @Test
  void theClientSpeaksHttp11() {
    assertThat(AirflowListener.httpClient().version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
  }

  private static AirflowListener listener(Optional<String> token, Optional<String> password, int port) {
    return AirflowListener.create(new AirflowListener.Target(URI.create("http://127.0.0.1:" + port),
        "archiver_dbt_batch", token, Optional.of("archiver"), password), MANIFESTS);
  }

  /** Records the bytes of one HTTP request and answers it with a fixed status; knows nothing of Airflow. */
  private static final class WireCapture implements AutoCloseable {
    private final ServerSocket server;
    private final CompletableFuture<String> request = new CompletableFuture<>();

    WireCapture(int status, String answer) throws IOException {
      server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      Thread thread = new Thread(() -> serve(status, answer), "wire-capture");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    String request() throws Exception {
      return request.get(10, TimeUnit.SECONDS);
    }

    private void serve(int status, String answer) {
      try (Socket socket = server.accept()) {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          seen.write(b);
        }
        String head = seen.toString(StandardCharsets.ISO_8859_1);
        int length = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
            .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElse(0);
        seen.write(in.readNBytes(length));
        request.complete(seen.toString(StandardCharsets.UTF_8));
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(body);
      } catch (IOException | RuntimeException e) {
        request.completeExceptionally(e);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
