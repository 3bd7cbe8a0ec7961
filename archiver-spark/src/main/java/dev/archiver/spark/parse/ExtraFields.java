package dev.archiver.spark.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds a JSON object's top-level fields that the schema does not declare, and copies them out byte for byte: the
 * value of each is the slice of the record between its first and last token, so numbers keep their digits
 * ({@code 1.50}, integers beyond a long), strings their escapes, objects their spacing and order. A record with no
 * such field costs one token scan (names come from Jackson's symbol table, values are skipped, not decoded) and
 * allocates only the parser (its buffers are recycled per thread), no result.
 *
 * <p>Only top-level fields: a field unknown inside a declared struct column is not tracked.
 */
final class ExtraFields {
  /** The unknown fields of one record: a JSON object's UTF-8 bytes and the fields' names in record order. */
  record Found(byte[] json, List<String> names) {
  }

  private final Set<String> declared;
  private final JsonFactory factory;

  ExtraFields(Set<String> declared, JsonFactory factory) {
    this.declared = Set.copyOf(declared);
    this.factory = factory;
  }

  /**
   * The unknown fields of a value that parsed as a JSON object, or null when it has none.
   *
   * @throws IOException when the value is not the JSON object the schema's parser accepted (it never is, as this
   *     scan runs only on values that parsed)
   */
  Found find(byte[] value) throws IOException {
    ByteArrayOutputStream out = null;
    List<String> names = null;
    try (JsonParser p = factory.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      // Jackson detects UTF-16 and UTF-32 too and reads them as characters, without byte offsets to slice by.
      boolean sliceable = p.getTokenLocation().getByteOffset() >= 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken token = p.nextToken();
        if (declared.contains(name)) {
          p.skipChildren();
          continue;
        }
        if (out == null) {
          out = new ByteArrayOutputStream(64);
          names = new ArrayList<>(2);
          out.write('{');
        } else {
          out.write(',');
        }
        out.write('"');
        out.write(JsonStringEncoder.getInstance().quoteAsUTF8(name));
        out.write('"');
        out.write(':');
        names.add(name);
        if (!sliceable) {
          try (JsonGenerator g = factory.createGenerator(out)) {
            g.copyCurrentStructure(p); // valid JSON in UTF-8; numbers as Jackson reads them
          }
          continue;
        }
        int start = (int) p.getTokenLocation().getByteOffset();
        if (token.isStructStart()) {
          p.skipChildren(); // now at the matching end token, consumed
        } else {
          p.finishToken(); // a string is read lazily: read it to its closing quote
        }
        int end = (int) p.getCurrentLocation().getByteOffset();
        if (hasSingleQuote(value, start, end)) {
          copyAsJson(value, start, end, out);
        } else {
          out.write(value, start, end - start);
        }
      }
    }
    if (out == null) {
      return null;
    }
    out.write('}');
    return new Found(out.toByteArray(), List.copyOf(names));
  }

  /**
   * Spark's parser accepts single-quoted strings, which JSON readers of {@code _extra} would not: such a value is
   * written again through a generator (valid JSON, same strings; numbers as Jackson reads them back).
   */
  private void copyAsJson(byte[] value, int start, int end, ByteArrayOutputStream out) throws IOException {
    try (JsonParser p = factory.createParser(value, start, end - start);
        JsonGenerator g = factory.createGenerator(out)) {
      p.nextToken();
      g.copyCurrentStructure(p);
    }
  }

  /** Whether a single quote opens a string in the slice (one inside a double-quoted string, as in "it's", does not). */
  private static boolean hasSingleQuote(byte[] value, int start, int end) {
    boolean inString = false;
    for (int i = start; i < end; i++) {
      byte c = value[i];
      if (inString && c == '\\') {
        i++;
      } else if (c == '"') {
        inString = !inString;
      } else if (!inString && c == '\'') {
        return true;
      }
    }
    return false;
  }
}
