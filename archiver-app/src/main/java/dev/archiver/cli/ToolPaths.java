package dev.archiver.cli;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where the demo and the local launchers find their tools. Each is a setting: the system property, else the
 * environment variable, else its place in the source checkout under {@code archiver.home} (what {@code bin/archiver}
 * builds and installs), so only the application, never a library module, knows the checkout's layout.
 */
record ToolPaths(Path brokerClasspath, Path sparkHome, Path dbtHook, Path dbtProject) {
  static final Setting BROKER_CLASSPATH = new Setting("archiver.broker-classpath", "ARCHIVER_BROKER_CLASSPATH",
      "bin/local-kafka/target/broker.classpath");
  static final Setting SPARK_HOME = new Setting("archiver.spark-home", "ARCHIVER_SPARK_HOME", ".venv/spark/pyspark");
  static final Setting DBT_HOOK = new Setting("archiver.dbt-hook", "ARCHIVER_DBT_HOOK", ".venv/dbt/bin/archiver-dbt");
  static final Setting DBT_PROJECT = new Setting("archiver.dbt-project", "ARCHIVER_DBT_PROJECT",
      "dbt-hooks/example_project");

  /** A tool's setting: system property, environment variable, default relative to the archiver's home. */
  record Setting(String property, String env, String homeRelativeDefault) {
    Path resolve(Path home, Function<String, String> properties, Function<String, String> environment) {
      String value = properties.apply(property);
      if (value == null || value.isBlank()) {
        value = environment.apply(env);
      }
      return value == null || value.isBlank() ? home.resolve(homeRelativeDefault) : Path.of(value);
    }

    /** For error messages: how to point the archiver elsewhere. */
    String hint() {
      return "-D" + property + "=PATH or " + env + "=PATH";
    }
  }

  static ToolPaths of(Path home) {
    return of(home, System::getProperty, System::getenv);
  }

  static ToolPaths of(Path home, Function<String, String> properties, Function<String, String> environment) {
    return new ToolPaths(BROKER_CLASSPATH.resolve(home, properties, environment),
        SPARK_HOME.resolve(home, properties, environment), DBT_HOOK.resolve(home, properties, environment),
        DBT_PROJECT.resolve(home, properties, environment));
  }
}
