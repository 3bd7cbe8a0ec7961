package dev.archiver.spark.iceberg;

import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * Which batches a table holds, from its own history: every snapshot the archiver commits carries the streaming
 * query's id and the batch id in its summary (as Iceberg's own streaming sink records its query and epoch), so a batch
 * the table committed before a crash is found, not written twice.
 */
public final class BatchSnapshots {
  /** Snapshot summary key: the id of the streaming query that committed the batch. */
  public static final String QUERY_ID = "archiver.query-id";
  /** Snapshot summary key: the batch id. */
  public static final String BATCH_ID = "archiver.batch-id";

  private BatchSnapshots() {
  }

  /**
   * The snapshot that committed {@code batchId} of the query, walking back from the current snapshot until an older
   * batch of the same query shows the batch was never committed. Snapshots of others (compaction, another writer)
   * are passed over.
   */
  public static Optional<Snapshot> find(Table table, String queryId, long batchId) {
    table.refresh();
    for (Snapshot s = table.currentSnapshot(); s != null; s = parent(table, s)) {
      Map<String, String> summary = s.summary();
      if (!queryId.equals(summary.get(QUERY_ID)) || summary.get(BATCH_ID) == null) {
        continue;
      }
      long committed = Long.parseLong(summary.get(BATCH_ID));
      if (committed == batchId) {
        return Optional.of(s);
      }
      if (committed < batchId) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static Snapshot parent(Table table, Snapshot s) {
    return s.parentId() == null ? null : table.snapshot(s.parentId());
  }
}
