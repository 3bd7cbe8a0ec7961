package dev.archiver.compaction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.commit.ManifestJson;

/**
 * Reads and writes compaction manifests as JSON ({@code manifest-schema/compaction-manifest.schema.json}); refuses
 * versions newer than it knows, other kinds and manifests missing a required field.
 */
public final class CompactionCodec {
  private final ObjectMapper mapper = ManifestJson.mapper();

  public byte[] encode(CompactionManifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode compaction " + manifest.sequence(), e);
    }
  }

  /** @throws dev.archiver.InvalidInputException naming {@code source} when the manifest cannot be read */
  public CompactionManifest decode(byte[] json, String source) {
    return ManifestJson.read(mapper, json, CompactionManifest.class, CompactionManifest.REQUIRED_FIELDS,
        CompactionManifest.FORMAT_VERSION, "compaction manifest", source);
  }
}
