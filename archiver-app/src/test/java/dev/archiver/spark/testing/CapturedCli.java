package dev.archiver.spark.testing;

import dev.archiver.cli.ArchiverCli;
import dev.archiver.engine.ArchiverEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The CLI run in this JVM as {@code bin/archiver} runs it (the real engine, the checkout as home), output kept. */
public final class CapturedCli {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ArchiverCli cli = new ArchiverCli(new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8), Path.of("..").toAbsolutePath().normalize(),
      ArchiverEngine::load);

  /** Runs one command; its exit code. */
  public int execute(String... args) {
    return cli.execute(args);
  }

  /** Everything the commands run so far printed to standard output. */
  public String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  public String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
