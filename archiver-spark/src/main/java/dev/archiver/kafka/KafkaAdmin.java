package dev.archiver.kafka;

import dev.archiver.InvalidInputException;
import dev.archiver.RetriableException;
import dev.archiver.config.Durations;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** The few broker questions the CLI asks: end offsets (for lag), and topic creation (for datagen and the demo). */
public final class KafkaAdmin implements AutoCloseable {
  /** How long a question may take unless the caller says otherwise: creating a topic and waiting for its leaders. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private final Admin admin;
  private final Duration timeout;
  private final Map<String, String> kafkaOptions;
  /** Set once a question went unanswered: closing then does not wait for the broker either. */
  private volatile boolean unanswered;

  /** {@link #KafkaAdmin(String, Map, Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public KafkaAdmin(String bootstrapServers, Map<String, String> kafkaOptions) {
    this(bootstrapServers, kafkaOptions, DEFAULT_TIMEOUT);
  }

  /**
   * An admin client with the archiver's consumer settings ({@code source.kafka.*}) whose every question (all the
   * requests {@link #endOffsets} makes, say) is answered or given up within {@code timeout}; a broker that does not
   * answer is a {@link RetriableException} saying so. Throws {@link InvalidInputException} naming the setting when
   * those settings cannot work (a key store that does not open with its password).
   */
  public KafkaAdmin(String bootstrapServers, Map<String, String> kafkaOptions, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.kafkaOptions = Map.copyOf(kafkaOptions);
    this.timeout = timeout;
    Properties props = new Properties();
    props.putAll(kafkaOptions);
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // Kafka's clients retry an unreachable broker until these expire: the caller's bound, not Kafka's 60 s.
    String ms = Long.toString(Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    try {
      this.admin = Admin.create(props);
    } catch (KafkaException e) {
      throw refused(e, this.kafkaOptions).orElseThrow(() -> e);
    }
  }

  /**
   * Kafka refusing the archiver's credentials or TLS settings, as an error that names the settings to check and
   * never their values; empty for any other failure. Kafka's own messages hold no secret either. Without a cause:
   * the CLI prints a failure's innermost cause, which here would hide the setting to check.
   */
  static Optional<InvalidInputException> refused(Throwable failure, Map<String, String> kafkaOptions) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof SaslAuthenticationException) {
        return Optional.of(new InvalidInputException("Kafka refused the archiver's credentials ("
            + t.getClass().getSimpleName() + ": " + firstLine(message) + "); check the username and password in "
            + "source.kafka.sasl.jaas.config and source.kafka.sasl.mechanism (now "
            + kafkaOptions.getOrDefault("sasl.mechanism", "GSSAPI, Kafka's default") + ")"));
      }
      if (t instanceof SslAuthenticationException) {
        return Optional.of(new InvalidInputException("the TLS handshake with Kafka failed ("
            + t.getClass().getSimpleName() + ": " + firstLine(message) + "); check source.kafka.ssl.truststore.*"
            + " (does it trust the broker's certificate?) and, if the broker asks for a client certificate,"
            + " source.kafka.ssl.keystore.*"));
      }
      if (t instanceof AuthenticationException) {
        return Optional.of(new InvalidInputException("Kafka refused to authenticate the archiver ("
            + t.getClass().getSimpleName() + ": " + firstLine(message) + "); check source.kafka.security.protocol"
            + " and the source.kafka.sasl.* or source.kafka.ssl.* settings"));
      }
      if (message.startsWith("Failed to load SSL keystore")) {
        String which = sslStoreSetting(message, kafkaOptions);
        return Optional.of(new InvalidInputException("cannot open the " + which.replace('.', ' ').replace("ssl ", "")
            + " (" + firstLine(message) + (t.getCause() == null ? "" : ": " + firstLine(t.getCause().getMessage()))
            + "); check source.kafka." + which + ".location and source.kafka." + which + ".password"));
      }
    }
    return Optional.empty();
  }

  /** Which of Kafka's two stores a "Failed to load SSL keystore <path>" message is about. */
  private static String sslStoreSetting(String message, Map<String, String> kafkaOptions) {
    String trust = kafkaOptions.get("ssl.truststore.location");
    return trust != null && message.contains(trust) ? "ssl.truststore" : "ssl.keystore";
  }

  private static String firstLine(String message) {
    String m = message == null ? "" : message.strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Latest offsets of every partition of the topics (comma-separated) or of the topics matching the pattern. */
  public Map<TopicPartition, Long> endOffsets(Optional<String> topics, Optional<String> pattern) {
    return offsets(topics, pattern, OffsetSpec.latest());
  }

  /** Earliest offsets still held by the broker: anything below was deleted by retention. */
  public Map<TopicPartition, Long> startOffsets(Optional<String> topics, Optional<String> pattern) {
    return offsets(topics, pattern, OffsetSpec.earliest());
  }

  /** The two or three requests of one answer share the timeout: the whole answer takes at most that long. */
  private Map<TopicPartition, Long> offsets(Optional<String> topics, Optional<String> pattern, OffsetSpec spec) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> names = topics.map(t -> Set.of(t.split(",")).stream().map(String::trim).collect(Collectors.toSet()))
        .orElseGet(() -> {
          Pattern p = Pattern.compile(pattern.orElseThrow());
          return get(admin.listTopics(new ListTopicsOptions().timeoutMs(remainingMs(deadline))).names(), deadline)
              .stream().filter(n -> p.matcher(n).matches()).collect(Collectors.toSet());
        });
    Map<TopicPartition, OffsetSpec> request = get(admin.describeTopics(names,
        new DescribeTopicsOptions().timeoutMs(remainingMs(deadline))).allTopicNames(), deadline).values().stream()
        .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
        .collect(Collectors.toMap(tp -> tp, tp -> spec));
    Map<TopicPartition, Long> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    get(admin.listOffsets(request, new ListOffsetsOptions().timeoutMs(remainingMs(deadline))).all(), deadline)
        .forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  /** Milliseconds left until the deadline, at least 1 (Kafka reads 0 or less as "the default"). */
  private static int remainingMs(long deadline) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000));
  }

  /**
   * Creates the topic unless it exists, then waits until every partition's leader serves requests. The controller
   * answers CreateTopics before the broker has applied the new partitions; a produce sent in that window fails with
   * NOT_LEADER_OR_FOLLOWER, and an idempotent producer whose later batch got through then retries the first one with
   * OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (KAFKA-15591, brokers before 4.2).
   */
  public void createTopic(String topic, int partitions) {
    createTopic(topic, partitions, Map.of());
  }

  /** {@link #createTopic(String, int)} with topic configs, e.g. {@code max.message.bytes}. */
  public void createTopic(String topic, int partitions, Map<String, String> configs) {
    try {
      get(admin.createTopics(java.util.List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all());
    } catch (RetriableException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    awaitLeaders(topic);
  }

  /**
   * Waits until the leader of every partition of the topic answers a request only a leader serves (ListOffsets);
   * the admin client retries NOT_LEADER_OR_FOLLOWER and LEADER_NOT_AVAILABLE with fresh metadata until then.
   */
  public void awaitLeaders(String topic) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        endOffsets(Optional.of(topic), Optional.empty());
        return;
      } catch (RetriableException e) {
        // A topic the broker has not applied yet is unknown to describeTopics, which does not retry that.
        boolean notYet = e.getCause() instanceof org.apache.kafka.common.errors.RetriableException;
        if (!notYet || System.nanoTime() > deadline) {
          throw new RetriableException("the partitions of topic " + topic + " have no serving leader after "
              + Durations.human(timeout) + ": " + e.getMessage(), e);
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RetriableException("interrupted while waiting for the leaders of " + topic, e);
      }
    }
  }

  private <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    return get(future, System.nanoTime() + timeout.toNanos());
  }

  /**
   * The answer, or a {@link RetriableException} once the deadline passed. Kafka's own expiry of a call (at the
   * same deadline) is the same "did not answer", not its message about node assignments.
   */
  private <T> T get(org.apache.kafka.common.KafkaFuture<T> future, long deadline) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Optional<InvalidInputException> refused = refused(e.getCause(), kafkaOptions);
      if (refused.isPresent()) {
        throw refused.get();
      }
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw notAnswered(e.getCause());
      }
      throw new RetriableException("Kafka request failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw notAnswered(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while waiting for Kafka", e);
    }
  }

  private RetriableException notAnswered(Throwable cause) {
    unanswered = true;
    return new NoAnswerException("Kafka did not answer within " + Durations.human(timeout) + "; is the broker up?",
        timeout, cause);
  }

  /** The broker did not answer a question within the admin client's timeout (down, unreachable, or overloaded). */
  public static final class NoAnswerException extends RetriableException {
    private final Duration timeout;

    NoAnswerException(String message, Duration timeout, Throwable cause) {
      super(message, cause);
      this.timeout = timeout;
    }

    /** The timeout the broker did not answer within. */
    public Duration timeout() {
      return timeout;
    }
  }

  /** Closes the client; after an unanswered question without waiting for the broker's answers still due. */
  @Override
  public void close() {
    admin.close(unanswered ? Duration.ZERO : Duration.ofSeconds(5));
  }
}
