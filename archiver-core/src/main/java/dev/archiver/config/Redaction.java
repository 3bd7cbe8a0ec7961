package dev.archiver.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Masks secret values wherever config is printed or stored (dry runs, logs, {@code status}; manifests hold no
 * config at all). A rule, not a list of keys, because keys come from systems the archiver passes settings through
 * to (Kafka, Hadoop's S3A/ABFS/GCS connectors, Schema Registry clients), which add secret keys with every release.
 *
 * <p>The rule: a key is split into words at {@code .}, {@code -}, {@code _} and camelCase humps, lowercased. Its value
 * is secret when
 * <ol>
 *   <li>a word names a credential or ends with one ({@link #CREDENTIAL_WORDS}: {@code password},
 *   {@code keyPassword}, {@code secret}, {@code token}, {@code jaas}, {@code certificate}, {@code private}, ...), or
 *   the words {@code user info} follow each other (HTTP basic auth's {@code user:password}); or</li>
 *   <li>a word is or ends with {@code key} (key material: {@code fs.s3a.access.key},
 *   {@code fs.azure.account.key.<account>...}, {@code ssl.keystore.key}, {@code fs.s3a.encryption.key},
 *   {@code api-key});</li>
 * </ol>
 * unless the key's last word says the value describes something rather than holding it ({@link #DESCRIPTORS}:
 * {@code key.deserializer}, {@code token.endpoint.url}, {@code ssl.key.type}). Masking too much costs a readable
 * value; masking too little leaks one, so every word not known to describe counts as possibly secret.
 *
 * <p>Values are checked too: a URL with a password ({@code scheme://user:password@host}) has the password masked,
 * whatever its key.
 */
public final class Redaction {
  public static final String MASK = "******";
  /** Words that name a credential; a word ending with one ({@code keypassword}, {@code sastoken}) counts too. */
  static final List<String> CREDENTIAL_WORDS = List.of("password", "passwd", "pwd", "passphrase", "secret", "token",
      "credential", "credentials", "jaas", "signature", "private", "certificate", "certificates", "sas", "key");
  /** Last words of keys whose value describes a secret's form or place instead of holding it. */
  static final Set<String> DESCRIPTORS = Set.of("type", "types", "location", "path", "algorithm", "algorithms",
      "serializer", "deserializer", "provider", "class", "format", "alias", "url", "uri", "endpoint", "enabled",
      "size", "length", "bits", "mechanism", "protocol", "column", "columns", "field", "source", "ms", "seconds");
  private static final Pattern SPLIT = Pattern.compile("[._\\-\\s]+|(?<=[a-z0-9])(?=[A-Z])");
  private static final Pattern URL_PASSWORD = Pattern.compile("(?<=://)([^/@:\\s]*):([^/@\\s]+)@");

  private Redaction() {
  }

  public static boolean isSecret(String key) {
    List<String> words = words(key);
    if (words.isEmpty() || DESCRIPTORS.contains(words.get(words.size() - 1))) {
      return false;
    }
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      if (CREDENTIAL_WORDS.stream().anyMatch(word::endsWith)
          || word.equals("user") && i + 1 < words.size() && words.get(i + 1).equals("info")
          || word.equals("userinfo")) {
        return true;
      }
    }
    return false;
  }

  /** The value as it may be shown: masked for a secret key, else with any password in a URL masked. */
  public static String redact(String key, String value) {
    if (isSecret(key)) {
      return MASK;
    }
    return value == null ? null : URL_PASSWORD.matcher(value).replaceAll("$1:" + MASK + "@");
  }

  public static Map<String, String> redact(Map<String, String> values) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, redact(k, v)));
    return out;
  }

  static List<String> words(String key) {
    List<String> words = new ArrayList<>();
    for (String w : SPLIT.split(key.strip())) {
      if (!w.isEmpty()) {
        words.add(w.toLowerCase(Locale.ROOT));
      }
    }
    return words;
  }
}
