package dev.archiver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.ArchiverException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's dbt side: the example dbt project (dbt-hooks/example_project) on a DuckDB file, run by the
 * {@code archiver-dbt} hook after each committed batch, then its models' row counts.
 */
final class DemoDbt {
  private static final List<String> MODELS = List.of("stg_archiver_events", "service_hourly");
  private final Path hook;
  private final Path project;
  private final Path duckdb;

  DemoDbt(ToolPaths tools, Path duckdb) {
    this.hook = tools.dbtHook();
    this.project = tools.dbtProject();
    this.duckdb = duckdb;
    if (!Files.isExecutable(hook)) {
      throw new UsageException("the dbt hook is not installed at " + hook + "; run bin/setup-python dbt (bin/archiver"
          + " demo does), point " + ToolPaths.DBT_HOOK.hint() + ", or pass --no-dbt");
    }
    try {
      Files.createDirectories(duckdb.getParent()); // DuckDB creates its file, not the folders above it
    } catch (IOException e) {
      throw new ArchiverException("cannot create " + duckdb.getParent() + ": " + e.getMessage(), e);
    }
  }

  /** The notify.command that runs dbt for each committed batch. */
  String notifyCommand() {
    return "ARCHIVER_DUCKDB_PATH=" + quote(duckdb) + " " + quote(hook) + " run-batch --manifest {manifest}"
        + " --project-dir " + quote(project);
  }

  /** Catches up whatever a notification missed, prints the models' row counts; 1 when they miss archived rows. */
  int summary(PrintStream out, ArchiverConfig config, List<CommitManifest> manifests) {
    run(List.of("catch-up", "--output", config.output().path()));
    List<String> args = new ArrayList<>(List.of("row-counts"));
    MODELS.forEach(m -> args.addAll(List.of("--model", m)));
    String text = run(args).strip();
    JsonNode counts;
    try {
      counts = new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
    } catch (IOException e) {
      throw new ArchiverException("archiver-dbt row-counts printed no JSON: " + text, e);
    }
    long archived = manifests.stream().mapToLong(CommitManifest::numArchived).sum();
    out.println();
    out.println("dbt (example project on DuckDB " + duckdb + ")");
    MODELS.forEach(m -> out.printf("  %-20s %d rows%n", m + ":", counts.path(m).asLong()));
    boolean ok = counts.path("stg_archiver_events").asLong() == archived;
    out.println(ok ? "demo: OK, dbt staged every archived record once"
        : "demo: MISMATCH, dbt staged " + counts.path("stg_archiver_events").asLong() + " of " + archived);
    return ok ? 0 : 1;
  }

  private String run(List<String> args) {
    List<String> command = new ArrayList<>(List.of(hook.toString()));
    command.addAll(args);
    command.addAll(List.of("--project-dir", project.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ARCHIVER_DUCKDB_PATH", duckdb.toString());
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      Process p = pb.start();
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new ArchiverException("archiver-dbt " + args.get(0) + " exited " + p.exitValue());
      }
      return stdout;
    } catch (IOException e) {
      throw new ArchiverException("cannot run " + hook + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiverException("interrupted", e);
    }
  }

  private static String quote(Path p) {
    return "'" + p.toString().replace("'", "'\\''") + "'";
  }
}
