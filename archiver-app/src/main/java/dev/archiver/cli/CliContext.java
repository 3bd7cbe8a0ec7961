package dev.archiver.cli;

import dev.archiver.engine.ArchiverEngine;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What commands need from outside: output streams, the archiver's home (state of the local broker and cluster), the
 * tools the demo and launchers run, and the engine, loaded only by the commands that need one.
 */
record CliContext(PrintStream out, PrintStream err, Path home, ToolPaths tools, Supplier<ArchiverEngine> engine) {
  Path brokerClasspath() {
    return tools.brokerClasspath();
  }

  Path localKafkaDir() {
    return home.resolve(".archiver/local-kafka");
  }

  Path localClusterDir() {
    return home.resolve(".archiver/local-cluster");
  }

  /** The Spark distribution for spark-submit and the local cluster (bin/setup-python installs the default). */
  Path sparkHome() {
    return tools.sparkHome();
  }
}
