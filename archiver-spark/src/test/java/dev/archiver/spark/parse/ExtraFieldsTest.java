package dev.archiver.spark.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExtraFieldsTest {
  private final ExtraFields extra = new ExtraFields(Set.of("id", "geo"),
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).build());

  private ExtraFields.Found find(String json) throws IOException {
    return extra.find(json.getBytes(StandardCharsets.UTF_8));
  }

  private String json(String value) throws IOException {
    return new String(find(value).json(), StandardCharsets.UTF_8);
  }

  @Test
  void nothingWhenEveryFieldIsDeclared() throws IOException {
    assertThat(find("{\"id\":\"a\",\"geo\":{\"lat\":1,\"x\":[1,{\"y\":2}]}}")).isNull();
    assertThat(find("{}")).isNull();
  }

  @Test
  void copiesUnknownValuesExactlyAsSent() throws IOException {
    String value = "{\"big\":123456789012345678901234567890,\"id\":\"a\",\"price\":1.50,\"e\":1E+3,"
        + "\"o\" : { \"a\" : [1, \"x\"] },\"geo\":null,\"s\":\"a\\\"b \\u00e9 it's ✓\",\"t\":true,\"n\":null,"
        + "\"neg\":-0.0}";
    ExtraFields.Found found = find(value);
    assertThat(found.names()).containsExactly("big", "price", "e", "o", "s", "t", "n", "neg");
    assertThat(new String(found.json(), StandardCharsets.UTF_8)).isEqualTo(
        "{\"big\":123456789012345678901234567890,\"price\":1.50,\"e\":1E+3,\"o\":{ \"a\" : [1, \"x\"] },"
            + "\"s\":\"a\\\"b \\u00e9 it's ✓\",\"t\":true,\"n\":null,\"neg\":-0.0}");
  }

  @Test
  void namesAreEscapedAndMatchedCaseSensitively() throws IOException {
    assertThat(json("{\"ID\":1,\"we\\\"ird\":2}")).isEqualTo("{\"ID\":1,\"we\\\"ird\":2}");
    assertThat(find("{\"ID\":1}").names()).isEqualTo(List.of("ID"));
  }

  @Test
  void singleQuotedStringsBecomeValidJson() throws IOException {
    assertThat(json("{'id':'a','q':'it\"s','o':{'k':'v'}}")).isEqualTo("{\"q\":\"it\\\"s\",\"o\":{\"k\":\"v\"}}");
  }

  @Test
  void utf16ValuesAreCopiedThroughAGenerator() throws IOException {
    byte[] utf16 = "{\"id\":\"a\",\"v2\":{\"k\":[1,\"é\"]},\"n\":1.5}".getBytes(StandardCharsets.UTF_16BE);
    ExtraFields.Found found = extra.find(utf16);
    assertThat(found.names()).containsExactly("v2", "n");
    assertThat(new String(found.json(), StandardCharsets.UTF_8)).isEqualTo("{\"v2\":{\"k\":[1,\"é\"]},\"n\":1.5}");
  }
}
