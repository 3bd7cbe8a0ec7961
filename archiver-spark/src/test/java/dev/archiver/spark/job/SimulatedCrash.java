package dev.archiver.spark.job;

/**
 * A crash injected at a point of a batch: an {@link Error}, so that, like a dead process, it is neither retried by
 * the batch retries nor restarted by the job's supervisor.
 */
final class SimulatedCrash extends Error {
  SimulatedCrash(String message) {
    super(message);
  }
}
