package dev.archiver.cli;

import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ArchiverConfigKeys;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.schema.SchemaSuggestion;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * {@code schema suggest}: the DDL that would archive the unknown fields the manifests counted as columns, typed from
 * a sample of the newest {@code _extra} values. Reads the archive; changes nothing.
 */
final class SchemaCommand implements Command {
  private static final int DEFAULT_SAMPLE = 1000;

  @Override
  public String name() {
    return "schema";
  }

  @Override
  public String summary() {
    return "schema suggest: the schema.ddl that would archive the unknown fields seen as columns";
  }

  @Override
  public String arguments() {
    return "suggest";
  }

  @Override
  public Options options() {
    return ConfigFlags.addTo(new Options())
        .addOption(Flags.value("sample", "N", "how many _extra values to type the fields from, newest first"
            + " (default " + DEFAULT_SAMPLE + ")"));
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    List<String> args = line.getArgList();
    if (args.size() != 1 || !args.get(0).equals("suggest")) {
      throw new UsageException("say what to do: 'schema suggest', got " + (args.isEmpty() ? "nothing" : args));
    }
    long sample = Flags.longValue(line, "sample", DEFAULT_SAMPLE);
    if (sample <= 0 || sample > Integer.MAX_VALUE) {
      throw new UsageException("--sample must be a positive whole number, got " + sample);
    }
    ArchiverConfig config = ConfigFlags.loadStorage(line);
    ArchiverEngine engine = context.engine().get();
    CommitLog log = engine.commitLog(config.output().path(), config.sparkConf());
    suggest(context.out(), engine, config, log.all(), (int) sample);
    return 0;
  }

  /** Prints the suggestion for the committed batches; the DDL of all of schema.ddl, when one is recorded. */
  static Optional<String> suggest(PrintStream out, ArchiverEngine engine, ArchiverConfig config,
      List<CommitManifest> manifests, int sample) {
    Map<String, Long> unknown = new TreeMap<>();
    manifests.forEach(m -> m.unknownFields().forEach((k, v) -> unknown.merge(k, v, Long::sum)));
    if (unknown.isEmpty()) {
      out.println("-- no unknown fields in the " + manifests.size() + " committed batches of "
          + config.output().path() + ": schema.ddl declares every field seen");
      return Optional.empty();
    }
    // Newest files first: the fields' current shape matters more than their first one.
    List<String> files = new ArrayList<>();
    for (int i = manifests.size() - 1; i >= 0; i--) {
      CommitManifest m = manifests.get(i);
      if (!m.unknownFields().isEmpty()) {
        for (DataFile f : m.files()) {
          files.add(m.archiveRoot() + "/" + f.path());
        }
      }
    }
    List<String> extras = files.isEmpty() ? List.of() : engine.sampleExtra(files, sample, config.sparkConf());
    SchemaSuggestion.Suggestion suggestion = SchemaSuggestion.suggest(List.copyOf(unknown.keySet()), extras);
    out.println("-- unknown fields in " + config.output().path() + " (records): " + unknown.entrySet().stream()
        .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
    out.println("-- types from " + extras.size() + " sampled _extra values"
        + (suggestion.unsampled().isEmpty() ? "" : "; not in the sample, so STRING: "
        + String.join(", ", suggestion.unsampled())));
    out.println("-- the columns to add:");
    out.println(suggestion.ddl());
    Optional<String> declared = manifests.get(manifests.size() - 1).schema()
        .flatMap(s -> SchemaSuggestion.declared(s.ddl()));
    declared.ifPresent(ddl -> {
      out.println("-- " + ArchiverConfigKeys.SCHEMA_DDL.name() + " with them (set it and restart: files written"
          + " before keep their columns, see README \"Schema changes\"):");
      out.println(ddl + ", " + suggestion.ddl());
    });
    return declared.map(ddl -> ddl + ", " + suggestion.ddl());
  }
}
