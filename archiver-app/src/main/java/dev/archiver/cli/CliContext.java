package dev.archiver.cli;

import dev.archiver.engine.ArchiverEngine;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What commands need from outside: output streams, the archiver's home (for the local broker's classpath) and the
 * engine, loaded only by the commands that need one.
 */
record CliContext(PrintStream out, PrintStream err, Path home, Supplier<ArchiverEngine> engine) {
  Path brokerClasspath() {
    return home.resolve("bin/local-kafka/target/broker.classpath");
  }

  Path localKafkaDir() {
    return home.resolve(".archiver/local-kafka");
  }

  Path localClusterDir() {
    return home.resolve(".archiver/local-cluster");
  }

  /** The Spark distribution bin/setup-python installs for spark-submit and the local cluster. */
  Path sparkHome() {
    return home.resolve(".venv/spark/pyspark");
  }
}
