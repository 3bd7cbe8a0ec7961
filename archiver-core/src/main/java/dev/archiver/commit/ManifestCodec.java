package dev.archiver.commit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads and writes batch manifests as JSON ({@code manifest-schema/batch-manifest.schema.json}); refuses format
 * versions newer than it knows rather than misreading them, and manifests missing a required field.
 */
public final class ManifestCodec {
  private final ObjectMapper mapper = ManifestJson.mapper();

  public byte[] encode(CommitManifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode manifest of batch " + manifest.batchId(), e);
    }
  }

  /** @throws dev.archiver.InvalidInputException naming {@code source} when the manifest cannot be read */
  public CommitManifest decode(byte[] json, String source) {
    return ManifestJson.read(mapper, json, CommitManifest.class, CommitManifest.REQUIRED_FIELDS,
        CommitManifest.FORMAT_VERSION, "manifest", source);
  }
}
