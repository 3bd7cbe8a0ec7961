package dev.archiver.commit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.archiver.InvalidInputException;
import java.nio.charset.StandardCharsets;

/** Reads and writes manifests as JSON; refuses format versions it does not know rather than misreading them. */
public final class ManifestCodec {
  private final ObjectMapper mapper = new ObjectMapper()
      .registerModule(new Jdk8Module())
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public byte[] encode(CommitManifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode manifest of batch " + manifest.batchId(), e);
    }
  }

  public CommitManifest decode(byte[] json, String source) {
    CommitManifest manifest;
    try {
      manifest = mapper.readValue(json, CommitManifest.class);
    } catch (Exception e) {
      throw new InvalidInputException("manifest " + source + " is not a valid archiver manifest: "
          + e.getMessage() + " (" + new String(json, 0, Math.min(json.length, 80), StandardCharsets.UTF_8) + ")", e);
    }
    if (manifest.formatVersion() > CommitManifest.FORMAT_VERSION) {
      throw new InvalidInputException("manifest " + source + " has formatVersion " + manifest.formatVersion()
          + "; this archiver reads up to " + CommitManifest.FORMAT_VERSION + ": upgrade the archiver");
    }
    return manifest;
  }
}
