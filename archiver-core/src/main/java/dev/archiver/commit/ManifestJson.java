package dev.archiver.commit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.archiver.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON of batch and compaction manifests, and the reading rules of their contract ({@code manifest-schema/},
 * README "Commit manifests"): a version newer than the reader's is refused ("upgrade"), older or equal ones are read;
 * every required field must be there; fields the reader does not know are ignored (fields added within a version);
 * counts are JSON numbers, never strings.
 */
public final class ManifestJson {
  private ManifestJson() {
  }

  /** A mapper writing manifests as the contract has them: ISO-8601 instants, empty optionals left out, indented. */
  public static ObjectMapper mapper() {
    ObjectMapper mapper = new ObjectMapper()
        .registerModule(new Jdk8Module())
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        // A missing count or offset is an error, not 0 (every number of the contract is required where it is).
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(SerializationFeature.INDENT_OUTPUT);
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    return mapper;
  }

  /**
   * Reads {@code json} as {@code type} under the contract's rules.
   *
   * @param what what the file is, for messages: "manifest", "compaction manifest"
   * @throws InvalidInputException naming {@code source}: not JSON, a newer version, a missing field, a bad value
   */
  public static <T> T read(ObjectMapper mapper, byte[] json, Class<T> type, List<String> required, int knownVersion,
      String what, String source) {
    try {
      JsonNode tree = mapper.readTree(json);
      if (tree == null || !tree.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      JsonNode version = tree.get("formatVersion");
      if (version != null && version.isIntegralNumber() && version.asInt() > knownVersion) {
        throw new InvalidInputException(what + " " + source + " has formatVersion " + version.asInt()
            + "; this archiver reads up to " + knownVersion + ": upgrade the archiver");
      }
      if (version != null && version.isIntegralNumber() && version.asInt() < 1) {
        throw new IllegalArgumentException("formatVersion " + version.asInt() + " is not a version (they start at 1)");
      }
      for (String field : required) {
        if (!tree.hasNonNull(field)) {
          throw new IllegalArgumentException("missing field '" + field + "'");
        }
      }
      return mapper.treeToValue(tree, type);
    } catch (InvalidInputException e) {
      throw e;
    } catch (Exception e) {
      throw new InvalidInputException(what + " " + source + " is not a valid archiver " + what + ": "
          + e.getMessage() + " (" + new String(json, 0, Math.min(json.length, 80), StandardCharsets.UTF_8) + ")", e);
    }
  }
}
