package dev.archiver.commit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.vacuum.ArchiveStorage;
import java.util.OptionalLong;

/**
 * The dbt hook's ledgers under an archive ({@code _archiver/dbt-ledgers/*.jsonl}, archiver-dbt's {@code ledger.py}):
 * which batches dbt has applied, so that {@code expire-manifests} never removes a manifest a catch-up still needs.
 * Ledgers kept elsewhere ({@code --ledger}) are not seen.
 */
public final class DbtLedgers {
  /** Where archiver-dbt keeps its ledgers by default, one per dbt project and target. */
  public static final String DIR = ArchiveLayout.ARCHIVER_DIR + "/dbt-ledgers";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DbtLedgers() {
  }

  /**
   * The newest batch every ledger has applied (the smallest of their newest), or empty when there is no ledger. A
   * ledger line that is not JSON (a torn last line) is skipped, as the hook does.
   */
  public static OptionalLong appliedByAll(ArchiveStorage storage, String archiveRoot) {
    String dir = storage.qualify(archiveRoot) + "/" + DIR;
    long bound = Long.MAX_VALUE;
    boolean any = false;
    for (ArchiveStorage.StoredFile file : storage.list(dir)) {
      if (!file.uri().endsWith(".jsonl")) {
        continue;
      }
      any = true;
      long newest = -1;
      for (String line : storage.read(file.uri()).orElse("").split("\n")) {
        try {
          JsonNode entry = JSON.readTree(line);
          if (entry != null && entry.has("batchIds")) {
            for (JsonNode id : entry.get("batchIds")) {
              newest = Math.max(newest, id.asLong());
            }
          }
        } catch (java.io.IOException e) {
          // a torn last line: never committed
        }
      }
      bound = Math.min(bound, newest);
    }
    return any ? OptionalLong.of(bound) : OptionalLong.empty();
  }
}
