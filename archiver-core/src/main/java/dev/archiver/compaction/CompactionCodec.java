package dev.archiver.compaction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.archiver.InvalidInputException;
import java.nio.charset.StandardCharsets;

/** Reads and writes compaction manifests as JSON; refuses versions and kinds it does not know. */
public final class CompactionCodec {
  private final ObjectMapper mapper = new ObjectMapper()
      .registerModule(new Jdk8Module())
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public byte[] encode(CompactionManifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode compaction " + manifest.sequence(), e);
    }
  }

  public CompactionManifest decode(byte[] json, String source) {
    CompactionManifest manifest;
    try {
      manifest = mapper.readValue(json, CompactionManifest.class);
    } catch (Exception e) {
      throw new InvalidInputException("compaction manifest " + source + " is not valid: " + e.getMessage() + " ("
          + new String(json, 0, Math.min(json.length, 80), StandardCharsets.UTF_8) + ")", e);
    }
    if (manifest.formatVersion() > CompactionManifest.FORMAT_VERSION) {
      throw new InvalidInputException("compaction manifest " + source + " has formatVersion "
          + manifest.formatVersion() + "; this archiver reads up to " + CompactionManifest.FORMAT_VERSION
          + ": upgrade the archiver");
    }
    return manifest;
  }
}
