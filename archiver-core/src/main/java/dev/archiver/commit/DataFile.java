package dev.archiver.commit;

/** One file a batch committed: {@code path} relative to its root (archive or quarantine), rows and bytes. */
public record DataFile(String path, long rows, long bytes) {
}
