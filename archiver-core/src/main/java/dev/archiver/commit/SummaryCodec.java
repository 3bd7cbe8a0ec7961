package dev.archiver.commit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads and writes {@link LogSummary} files as JSON, under the manifests' reading rules ({@link ManifestJson}). */
public final class SummaryCodec {
  private final ObjectMapper mapper = ManifestJson.mapper();

  public byte[] encode(LogSummary summary) {
    try {
      return mapper.writeValueAsBytes(summary);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the summary through batch " + summary.throughBatchId(), e);
    }
  }

  /** @throws dev.archiver.InvalidInputException naming {@code source} when the summary cannot be read */
  public LogSummary decode(byte[] json, String source) {
    return ManifestJson.read(mapper, json, LogSummary.class, LogSummary.REQUIRED_FIELDS, LogSummary.FORMAT_VERSION,
        "manifest summary", source);
  }
}
