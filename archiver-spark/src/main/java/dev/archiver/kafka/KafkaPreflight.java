package dev.archiver.kafka;

import dev.archiver.InvalidInputException;
import dev.archiver.RetriableException;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.OffsetRange;
import dev.archiver.config.ArchiverConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the archiver asks the broker before it starts its query: Spark's Kafka source retries a refused login or a
 * topic whose offsets went backwards for minutes before it fails, with a message that names neither the setting nor
 * the cause. Here a wrong password stops the job at once, naming the setting; a topic that now ends below what the
 * last batch committed (deleted and recreated, or truncated) stops it with {@code source.fail-on-data-loss}, or is
 * logged and recorded in the next batch's manifest without it.
 */
public final class KafkaPreflight {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPreflight.class);

  private KafkaPreflight() {
  }

  /**
   * Checks the credentials and, against the latest committed manifest, that no partition ends below its committed
   * offset. Throws {@link InvalidInputException} for what needs an operator, {@link RetriableException} when the
   * broker cannot be asked.
   */
  public static void check(ArchiverConfig.Source source, Optional<CommitManifest> latest) {
    Map<String, Long> ends = new TreeMap<>();
    try (KafkaAdmin admin = new KafkaAdmin(source.bootstrapServers(), source.kafkaOptions())) {
      admin.endOffsets(source.topic(), source.topicPattern()).forEach((tp, end) -> ends.put(tp.toString(), end));
    } catch (RetriableException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        LOG.warn("topic {} does not exist (yet); the query waits for it", source.topic().orElse(""));
        return;
      }
      throw e;
    }
    List<String> wentBack = new ArrayList<>();
    for (OffsetRange committed : latest.map(CommitManifest::offsets).orElse(List.of())) {
      Long end = ends.get(committed.topicPartition());
      if (end != null && end < committed.endOffset()) {
        wentBack.add(committed.topicPartition() + " ends at " + end + ", below " + committed.endOffset());
      }
    }
    if (wentBack.isEmpty()) {
      return;
    }
    String what = "the topic was deleted and recreated, or truncated, since batch " + latest.get().batchId()
        + " was committed: " + String.join(", ", wentBack);
    if (source.failOnDataLoss()) {
      throw new InvalidInputException(what + ". Records after the committed offsets are gone. Set"
          + " source.fail-on-data-loss: false to archive the topic as it is now (the loss is recorded in the"
          + " manifests and shown by status), or archive the new topic to a new output.path");
    }
    LOG.warn("{}; source.fail-on-data-loss is false: the next batch records the loss in its manifest", what);
  }
}
