package dev.archiver.datagen;

import dev.archiver.RetriableException;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces {@link EventGenerator} events to a topic at a steady rate with an optional spike: from event
 * {@code spikeAt}, {@code spikeEvents} events arrive {@code spikeFactor} times faster (in event time, and in wall
 * time when a rate is set), the traffic shape that overflowed the old nightly job.
 */
public final class DataGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(DataGenerator.class);

  /**
   * What to send. {@code ratePerSecond} 0 means as fast as the broker takes them; events from
   * {@code secondVersionAt} on (-1: none) are of the second version, with fields {@link EventGenerator#SCHEMA_DDL}
   * does not declare.
   */
  public record Plan(String topic, long events, double ratePerSecond, double malformedRatio, long spikeAt,
      double spikeFactor, long spikeEvents, long seed, long secondVersionAt) {
    public Plan(String topic, long events, double ratePerSecond, double malformedRatio, long spikeAt,
        double spikeFactor, long spikeEvents, long seed) {
      this(topic, events, ratePerSecond, malformedRatio, spikeAt, spikeFactor, spikeEvents, seed, -1);
    }

    public Plan {
      if (events <= 0) {
        throw new IllegalArgumentException("--events must be > 0, got " + events);
      }
      if (ratePerSecond < 0 || spikeFactor < 1) {
        throw new IllegalArgumentException("--rate must be >= 0 and --spike-factor >= 1");
      }
    }

    boolean inSpike(long i) {
      return spikeAt >= 0 && i >= spikeAt && i < spikeAt + spikeEvents;
    }
  }

  /** What was sent. */
  public record Result(long sent, long malformed, double seconds) {
  }

  private final String bootstrapServers;
  private final Map<String, String> kafkaOptions;

  public DataGenerator(String bootstrapServers, Map<String, String> kafkaOptions) {
    this.bootstrapServers = bootstrapServers;
    this.kafkaOptions = Map.copyOf(kafkaOptions);
  }

  public Result run(Plan plan) {
    EventGenerator generator = new EventGenerator(plan.seed(), plan.malformedRatio(), Instant.now());
    AtomicReference<Exception> failure = new AtomicReference<>();
    long malformed = 0;
    long started = System.nanoTime();
    double eventMillisPerEvent = 1000.0 / (plan.ratePerSecond() > 0 ? plan.ratePerSecond() : 1000.0);
    double eventTime = 0;
    double wallSeconds = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
      for (long i = 0; i < plan.events(); i++) {
        double speed = plan.inSpike(i) ? plan.spikeFactor() : 1.0;
        eventTime += eventMillisPerEvent / speed;
        EventGenerator.Event event = generator.next(i, (long) eventTime,
            plan.secondVersionAt() >= 0 && i >= plan.secondVersionAt());
        malformed += event.malformed() ? 1 : 0;
        producer.send(new ProducerRecord<>(plan.topic(), event.key(), event.value()), (meta, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
        if (plan.ratePerSecond() > 0) {
          wallSeconds += 1.0 / (plan.ratePerSecond() * speed);
          pace(started, wallSeconds);
        }
        if (failure.get() != null) {
          break;
        }
        if (i > 0 && i % 100_000 == 0) {
          LOG.info("datagen: {} events sent", i);
        }
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new RetriableException("producing to " + plan.topic() + " failed: " + failure.get().getMessage(),
          failure.get());
    }
    return new Result(plan.events(), malformed, (System.nanoTime() - started) / 1e9);
  }

  private static void pace(long startedNanos, double targetSeconds) {
    long aheadNanos = (long) (targetSeconds * 1e9) - (System.nanoTime() - startedNanos);
    if (aheadNanos > 2_000_000) {
      try {
        Thread.sleep(aheadNanos / 1_000_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Properties producerProps() {
    Properties props = new Properties();
    props.putAll(kafkaOptions);
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return props;
  }
}
