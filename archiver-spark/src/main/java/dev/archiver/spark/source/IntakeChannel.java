package dev.archiver.spark.source;

import java.util.Optional;
import org.apache.spark.SparkContext;

/**
 * Carries the next batch's intake limit from {@code foreachBatch} to the Kafka stream, and the latest offsets back.
 * Both run on the query's own thread, one after the other, so a thread-local SparkContext property is the channel:
 * no shared state between queries, nothing static.
 */
public final class IntakeChannel {
  static final String LIMIT = "archiver.intake.max-records";
  static final String LATEST = "archiver.source.latest-offsets";

  private IntakeChannel() {
  }

  public static void setLimit(SparkContext sc, long maxRecords) {
    sc.setLocalProperty(LIMIT, Long.toString(maxRecords));
  }

  static Optional<Long> limit(SparkContext sc) {
    return Optional.ofNullable(sc.getLocalProperty(LIMIT)).map(Long::parseLong);
  }

  static void setLatestOffsets(SparkContext sc, String json) {
    sc.setLocalProperty(LATEST, json);
  }

  /** The Kafka source's latest offsets as of planning the current batch: {@code {"topic":{"0":123}}}. */
  public static Optional<String> latestOffsets(SparkContext sc) {
    return Optional.ofNullable(sc.getLocalProperty(LATEST));
  }
}
