package dev.archiver.spark;

import dev.archiver.config.ArchiverConfig;
import dev.archiver.listener.CommitListener;
import dev.archiver.spark.job.ArchiveJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.SparkSession;

/**
 * The one entry point for a Spark application that archives a Kafka topic with the archiver as a library:
 *
 * <pre>{@code
 * ArchiverConfig config = ConfigLoader.load(Optional.of(Path.of("archiver.yaml")), Map.of());
 * Archiver.builder(spark).config(config).listener(m -> log.info("batch {} committed", m.batchId())).build().run();
 * }</pre>
 *
 * <p>The job runs on a session of its own derived from {@code spark} (its SQL settings never leak into the caller's),
 * so the caller's session and its SparkContext stay the caller's to stop. Listeners are called on the driver after
 * each batch's manifest is published, in order; a listener that throws fails the batch, so wrap slow or unreliable
 * ones (an HTTP call, say) in a queue of their own.
 *
 * <p>Failure contract of {@link #run}: {@link dev.archiver.config.ConfigException} and
 * {@link dev.archiver.InvalidInputException} (fix the config or the input), {@link dev.archiver.CommitConflictException}
 * and {@link dev.archiver.lease.LeaseLostException} (another writer holds the output),
 * {@link dev.archiver.RetriableException} after the configured retries, and
 * {@link dev.archiver.CommitStateUnknownException} (read the manifests back before acting; never clean up).
 */
public final class Archiver {
  private final ArchiveJob job;

  private Archiver(ArchiveJob job) {
    this.job = job;
  }

  public static Builder builder(SparkSession spark) {
    return new Builder(spark);
  }

  /**
   * Runs until an {@code available-now} run is caught up, or until a {@code processing-time} run is {@link #stop}ped;
   * restarts a query that failed for a reason a wait can fix, from its checkpoint. Releases what the job holds
   * (writer lease, metrics endpoint) when it returns.
   */
  public void run() {
    job.run();
  }

  /** Stops the running query; {@link #run} returns. Safe from any thread, e.g. a shutdown hook. */
  public void stop() {
    job.stop();
  }

  /** Collects the job's settings; {@link #build} checks them. */
  public static final class Builder {
    private final SparkSession spark;
    private ArchiverConfig config;
    private final List<CommitListener> listeners = new ArrayList<>();

    private Builder(SparkSession spark) {
      this.spark = Objects.requireNonNull(spark, "spark");
    }

    /** The validated config, e.g. from {@link dev.archiver.config.ConfigLoader#load}. Required. */
    public Builder config(ArchiverConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Hears of each committed batch, after its manifest is published; called in the order added. */
    public Builder listener(CommitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public Archiver build() {
      if (config == null) {
        throw new IllegalStateException("Archiver.builder(spark).config(...) is required: load one with"
            + " ConfigLoader.load(Optional.of(Path.of(\"archiver.yaml\")), Map.of())");
      }
      return new Archiver(new ArchiveJob(spark, config, listeners));
    }
  }
}
