package dev.archiver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The columns that would archive the unknown fields a producer added, with Spark DDL types inferred from a sample
 * of {@code _extra} values: what {@code archiver schema suggest} prints. Types are widened across the sample (an
 * integer and a decimal make DOUBLE, anything else that disagrees STRING, which always holds the value's JSON).
 */
public final class SchemaSuggestion {
  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One inferred type; {@code fields} for a STRUCT, {@code element} for an ARRAY. */
  private record Type(String kind, Map<String, Type> fields, Type element) {
    static final Type NULL = new Type("NULL", Map.of(), null);

    static Type of(String kind) {
      return new Type(kind, Map.of(), null);
    }

    String ddl() {
      return switch (kind) {
        case "NULL" -> "STRING"; // only nulls seen: STRING keeps whatever comes
        case "STRUCT" -> "STRUCT<" + fields.entrySet().stream().map(e -> name(e.getKey()) + ": " + e.getValue().ddl())
            .collect(Collectors.joining(", ")) + ">";
        case "ARRAY" -> "ARRAY<" + element.ddl() + ">";
        default -> kind;
      };
    }
  }

  /** The suggested columns, in the order the sample first showed them, as DDL ({@code name TYPE, ...}). */
  public record Suggestion(Map<String, String> columns, List<String> unsampled) {
    public String ddl() {
      return columns.entrySet().stream().map(e -> name(e.getKey()) + " " + e.getValue())
          .collect(Collectors.joining(", "));
    }
  }

  private SchemaSuggestion() {
  }

  /**
   * Columns for {@code names} (the unknown fields the manifests counted) from {@code extras} (sampled
   * {@code _extra} values); a name the sample never showed becomes STRING and is listed as unsampled.
   */
  public static Suggestion suggest(List<String> names, List<String> extras) {
    Map<String, Type> seen = new LinkedHashMap<>();
    for (String extra : extras) {
      JsonNode node;
      try {
        node = JSON.readTree(extra);
      } catch (Exception e) {
        continue; // _extra is written as a JSON object; a value that is not one says nothing about types
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (names.contains(field.getKey())) {
          seen.merge(field.getKey(), infer(field.getValue()), SchemaSuggestion::merge);
        }
      }
    }
    Map<String, String> columns = new LinkedHashMap<>();
    seen.forEach((name, type) -> columns.put(name, type.ddl()));
    List<String> unsampled = new ArrayList<>();
    for (String name : names) {
      if (!columns.containsKey(name)) {
        columns.put(name, "STRING");
        unsampled.add(name);
      }
    }
    return new Suggestion(columns, unsampled);
  }

  /** The data columns of a manifest's schema DDL without {@code _extra}, which is not part of schema.ddl. */
  public static Optional<String> declared(String manifestDdl) {
    String suffix = ",_extra STRING";
    return Optional.of(manifestDdl.endsWith(suffix)
        ? manifestDdl.substring(0, manifestDdl.length() - suffix.length()) : manifestDdl);
  }

  private static Type infer(JsonNode node) {
    if (node.isNull() || node.isMissingNode()) {
      return Type.NULL;
    }
    if (node.isBoolean()) {
      return Type.of("BOOLEAN");
    }
    if (node.isIntegralNumber()) {
      return Type.of(node.canConvertToLong() ? "BIGINT" : "DECIMAL(38,0)");
    }
    if (node.isNumber()) {
      return Type.of("DOUBLE");
    }
    if (node.isObject()) {
      Map<String, Type> fields = new LinkedHashMap<>();
      node.fields().forEachRemaining(f -> fields.merge(f.getKey(), infer(f.getValue()), SchemaSuggestion::merge));
      return new Type("STRUCT", fields, null);
    }
    if (node.isArray()) {
      Type element = Type.NULL;
      for (JsonNode e : node) {
        element = merge(element, infer(e));
      }
      return new Type("ARRAY", Map.of(), element);
    }
    return Type.of("STRING");
  }

  private static Type merge(Type a, Type b) {
    if (a.equals(b) || b == Type.NULL) {
      return a;
    }
    if (a == Type.NULL) {
      return b;
    }
    if (a.kind().equals("STRUCT") && b.kind().equals("STRUCT")) {
      Map<String, Type> fields = new LinkedHashMap<>(a.fields());
      b.fields().forEach((k, v) -> fields.merge(k, v, SchemaSuggestion::merge));
      return new Type("STRUCT", fields, null);
    }
    if (a.kind().equals("ARRAY") && b.kind().equals("ARRAY")) {
      return new Type("ARRAY", Map.of(), merge(a.element(), b.element()));
    }
    List<String> numbers = List.of("BIGINT", "DECIMAL(38,0)", "DOUBLE");
    if (numbers.contains(a.kind()) && numbers.contains(b.kind())) {
      return Type.of(a.kind().equals("DOUBLE") || b.kind().equals("DOUBLE") ? "DOUBLE" : "DECIMAL(38,0)");
    }
    return Type.of("STRING");
  }

  private static String name(String name) {
    return PLAIN_NAME.matcher(name).matches() ? name : "`" + name.replace("`", "``") + "`";
  }
}
