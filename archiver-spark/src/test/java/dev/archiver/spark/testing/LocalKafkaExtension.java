package dev.archiver.spark.testing;

import dev.archiver.kafka.LocalKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects one real local KRaft broker shared by every integration test of the run; it stops when the run ends
 * (JUnit closes root-store resources), and a shutdown hook ends it if the JVM dies first.
 */
public final class LocalKafkaExtension implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Broker.class, k -> new Broker(), Broker.class).kafka;
  }

  private static final class Broker implements ExtensionContext.Store.CloseableResource {
    private final LocalKafka kafka;

    Broker() {
      Path classpath = Path.of(System.getProperty("archiver.kafka.classpath",
          "../bin/local-kafka/target/broker.classpath"));
      try {
        Path dir = Files.createTempDirectory("archiver-it-kafka");
        kafka = LocalKafka.start(new LocalKafka.Settings(classpath, dir, 0, 0, 4), Duration.ofSeconds(90));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      kafka.close();
    }
  }
}
