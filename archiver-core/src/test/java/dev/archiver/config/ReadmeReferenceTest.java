package dev.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's config reference is the generated one: docs cannot drift from the declared keys. */
class ReadmeReferenceTest {
  @Test
  void readmeHoldsTheGeneratedReference() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String start = "<!-- config-reference:start -->\n";
    String section = readme.substring(readme.indexOf(start) + start.length(),
        readme.indexOf("<!-- config-reference:end -->"));
    assertThat(section).as("regenerate with: bin/update-readme-reference").isEqualTo(ConfigReference.markdown());
  }
}
