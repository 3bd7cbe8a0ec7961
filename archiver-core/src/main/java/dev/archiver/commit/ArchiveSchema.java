package dev.archiver.commit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The columns a batch's archive files have, as a manifest records them: readers learn which files have which
 * columns, and a restart compares its schema with the last batch's (README "Schema changes").
 *
 * @param fingerprint the first 16 hex digits of the SHA-256 of {@code ddl}: equal fingerprints, equal columns
 * @param ddl the data columns in file order as Spark DDL ({@code schema.ddl} normalized, then {@code _extra STRING}
 *     when unknown fields are kept); the lineage columns {@code _kafka_*} and the partition columns are not listed,
 *     every file has them
 */
public record ArchiveSchema(String fingerprint, String ddl) {
  public ArchiveSchema {
    if (ddl == null || ddl.isBlank()) {
      throw new IllegalArgumentException("an archive schema needs its DDL");
    }
  }

  /** The schema of a DDL, its fingerprint computed. */
  public static ArchiveSchema of(String ddl) {
    return new ArchiveSchema(fingerprint(ddl), ddl);
  }

  public static String fingerprint(String ddl) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(ddl.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
