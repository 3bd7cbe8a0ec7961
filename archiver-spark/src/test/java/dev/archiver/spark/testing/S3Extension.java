package dev.archiver.spark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects one real S3 API server ({@link S3MockServer}) shared by every integration test of the run; tests keep apart
 * by writing under prefixes of their own. It stops when the run ends.
 */
public final class S3Extension implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == S3MockServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Server.class, k -> new Server(), Server.class).s3;
  }

  private static final class Server implements ExtensionContext.Store.CloseableResource {
    private final S3MockServer s3;

    Server() {
      try {
        s3 = new S3MockServer(Files.createTempDirectory("archiver-it-s3"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      s3.close();
    }
  }
}
