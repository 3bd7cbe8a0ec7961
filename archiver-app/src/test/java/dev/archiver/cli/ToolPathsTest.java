package dev.archiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolPathsTest {
  private final Path home = Path.of("/opt/archiver");

  @Test
  void defaultsAreTheCheckoutsLayoutUnderHome() {
    ToolPaths tools = ToolPaths.of(home, k -> null, k -> null);
    assertThat(tools.brokerClasspath()).isEqualTo(home.resolve("bin/local-kafka/target/broker.classpath"));
    assertThat(tools.sparkHome()).isEqualTo(home.resolve(".venv/spark/pyspark"));
    assertThat(tools.dbtHook()).isEqualTo(home.resolve(".venv/dbt/bin/archiver-dbt"));
    assertThat(tools.dbtProject()).isEqualTo(home.resolve("dbt-hooks/example_project"));
  }

  @Test
  void aSystemPropertyWinsOverTheEnvironmentWhichWinsOverTheDefault() {
    Map<String, String> properties = Map.of("archiver.dbt-hook", "/usr/local/bin/archiver-dbt");
    Map<String, String> env = Map.of("ARCHIVER_DBT_HOOK", "/env/archiver-dbt", "ARCHIVER_SPARK_HOME", "/opt/spark",
        "ARCHIVER_BROKER_CLASSPATH", " ");
    ToolPaths tools = ToolPaths.of(home, properties::get, env::get);
    assertThat(tools.dbtHook()).isEqualTo(Path.of("/usr/local/bin/archiver-dbt"));
    assertThat(tools.sparkHome()).isEqualTo(Path.of("/opt/spark"));
    assertThat(tools.brokerClasspath()).as("a blank setting is no setting")
        .isEqualTo(home.resolve("bin/local-kafka/target/broker.classpath"));
  }
}
