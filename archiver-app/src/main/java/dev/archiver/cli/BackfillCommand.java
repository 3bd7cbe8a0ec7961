package dev.archiver.cli;

import dev.archiver.InvalidInputException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ArchiverConfigKeys;
import dev.archiver.config.ConfigLoader;
import dev.archiver.engine.ArchiverEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code backfill}: re-archives committed batches of the live archive (the config's {@code output.path}) into another
 * output, re-reading from Kafka exactly the offset ranges their manifests recorded, with the config's current schema.
 * The other output gets batches of the same ids with manifests of their own; the live archive is only read.
 */
final class BackfillCommand implements Command {
  @Override
  public String name() {
    return "backfill";
  }

  @Override
  public String summary() {
    return "re-archive committed batches from Kafka into another output (e.g. after adding columns)";
  }

  @Override
  public Options options() {
    return new Options()
        .addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE")
            .desc("the live job's config (YAML or JSON): its source, schema and output.path (the live archive)")
            .build())
        .addOption(Flags.value("from-batch", "N", "first batch to re-archive (required)"))
        .addOption(Flags.value("to-batch", "N", "last batch to re-archive, inclusive (required)"))
        .addOption(Flags.value("output", "URI", "the other output to archive into (required; never the live one)"))
        .addOption(Flags.value("source", "URI", "the live archive, when not the config's output.path"))
        .addOption(Option.builder().longOpt("set").hasArgs().argName("KEY=VALUE")
            .desc("sets any config key of the re-archive (e.g. schema.ddl with added columns); repeatable").build());
  }

  @Override
  public int run(CommandLine line, CliContext context) {
    long from = batch(line, "from-batch");
    long to = batch(line, "to-batch");
    if (to < from) {
      throw new UsageException("--to-batch " + to + " is below --from-batch " + from + "; e.g. --from-batch 120"
          + " --to-batch 130");
    }
    String other = Flags.required(line, "output");
    Map<String, String> values = settings(line);
    ArchiverConfig source = ConfigLoader.fromMap(values);
    ArchiverConfig target = ConfigLoader.fromMap(retarget(values, other));
    ArchiverEngine engine = context.engine().get();
    RunCommand.validate(engine, target);
    List<CommitManifest> written;
    try {
      written = engine.backfill(source, target, from, to);
    } catch (InvalidInputException e) {
      throw new UsageException(e.getMessage());
    }
    for (CommitManifest m : written) {
      context.out().printf("backfilled batch %d: %d archived, %d quarantined, %d file(s)%n", m.batchId(),
          m.numArchived(), m.numQuarantined(), m.files().size());
    }
    context.out().printf("backfill: %d batch(es) of %s into %s; manifests under %s%n", written.size(),
        source.output().path(), target.output().path(), target.output().manifests());
    return 0;
  }

  /** The config file's keys, then --source as output.path, then --set. */
  private static Map<String, String> settings(CommandLine line) {
    Optional<Path> file = Flags.string(line, "config").map(Path::of);
    file.filter(f -> !Files.isRegularFile(f)).ifPresent(f -> {
      throw new UsageException("--config: no such file " + f.toAbsolutePath());
    });
    Map<String, String> values = new LinkedHashMap<>(file.map(ConfigLoader::read).orElse(Map.of()));
    Flags.string(line, "source").ifPresent(s -> values.put(ArchiverConfigKeys.OUTPUT_PATH.name(), s));
    for (String pair : Optional.ofNullable(line.getOptionValues("set")).map(List::of).orElse(List.<String>of())) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--set: '" + pair + "' is not KEY=VALUE, e.g. --set schema.ddl='...'");
      }
      values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
    }
    if (!values.containsKey(ArchiverConfigKeys.OUTPUT_PATH.name())) {
      throw new UsageException("which archive to backfill from? give --config with the live job's output.path, or"
          + " --source URI");
    }
    return values;
  }

  /**
   * The re-archive's config: the other output with its own quarantine and checkpoint, whatever the live job set
   * (a shared quarantine root of the live job must never receive the backfill's records).
   */
  static Map<String, String> retarget(Map<String, String> values, String other) {
    Map<String, String> out = new LinkedHashMap<>(values);
    String root = other.replaceAll("/+$", "");
    out.put(ArchiverConfigKeys.OUTPUT_PATH.name(), root);
    out.put(ArchiverConfigKeys.QUARANTINE.name(), root + "/_quarantine");
    out.put(ArchiverConfigKeys.CHECKPOINT.name(), root + "/_archiver/checkpoint");
    return out;
  }

  private static long batch(CommandLine line, String name) {
    Flags.required(line, name);
    long id = Flags.longValue(line, name, -1);
    if (id < 0) {
      throw new UsageException("--" + name + " " + id + " is negative; batch ids start at 0");
    }
    return id;
  }
}
