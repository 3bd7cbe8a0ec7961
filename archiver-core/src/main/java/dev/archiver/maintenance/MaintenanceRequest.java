package dev.archiver.maintenance;

import java.time.Duration;

/**
 * What {@code archiver maintain} does to a table-format archive (output.format iceberg), each part optional.
 *
 * @param compact rewrite small data files into files of {@code targetFileSize}
 * @param expireSnapshots drop snapshots older than {@code olderThan} (the latest always stays) and the files only
 *     they referenced
 * @param removeOrphans delete files under the table that no snapshot references and that are older than
 *     {@code olderThan} (left by failed writes)
 * @param olderThan how old a snapshot or an orphan must be; keeps time travel and in-flight writes safe
 */
public record MaintenanceRequest(boolean compact, boolean expireSnapshots, boolean removeOrphans, Duration olderThan,
    long targetFileSize) {
  public MaintenanceRequest {
    if (!compact && !expireSnapshots && !removeOrphans) {
      throw new IllegalArgumentException("nothing to do: ask for compact, expire-snapshots or remove-orphans");
    }
    if (olderThan.isNegative()) {
      throw new IllegalArgumentException("older-than " + olderThan + " is negative");
    }
  }
}
