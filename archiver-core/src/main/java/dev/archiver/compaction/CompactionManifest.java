package dev.archiver.compaction;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.DataFile;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The durable record of one compaction, stored as {@code <output>/_archiver/compactions/<sequence:20 digits>.json}
 * beside (not among) the batch manifests, so every reader of {@code _archiver/manifests/} keeps seeing batches
 * only. The compaction takes effect exactly when this file exists: from then on a manifest reader reads
 * {@code files} instead of {@code replaced}; before it, the new files are unlisted orphans. See README
 * "Compaction".
 *
 * @param kind always {@value #KIND}: a reader that finds another kind refuses rather than guesses
 * @param sequence 0, 1, 2... in commit order; the file name
 * @param afterBatchId the newest batch committed when the compaction was planned (-1: none); informative
 * @param partitions the archive partitions rewritten, e.g. {@code event_date=2026-11-25}
 * @param replaced archive files, relative to {@code archiveRoot}, that are no longer part of the archive
 * @param files the new archive files holding exactly the rows of {@code replaced}
 * @param rows rows of {@code replaced}, equal to the rows of {@code files}
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record CompactionManifest(int formatVersion, String kind, long sequence, Instant committedAt,
    String archiveRoot, long afterBatchId, List<String> partitions, List<DataFile> replaced, List<DataFile> files,
    long rows) {

  /** The newest format this archiver writes and reads; readers read versions up to theirs and refuse newer ones. */
  public static final int FORMAT_VERSION = 1;
  /** The fields of every compaction manifest, as {@code manifest-schema/compaction-manifest.schema.json} says. */
  public static final List<String> REQUIRED_FIELDS = List.of("formatVersion", "kind", "sequence", "committedAt",
      "archiveRoot", "afterBatchId", "partitions", "replaced", "files", "rows");
  public static final String KIND = "compaction";

  public CompactionManifest {
    partitions = List.copyOf(partitions);
    replaced = List.copyOf(replaced);
    files = List.copyOf(files);
    String where = "compaction " + sequence;
    if (!KIND.equals(kind)) {
      throw new IllegalArgumentException(where + ": kind is '" + kind + "', expected '" + KIND + "'");
    }
    if (replaced.isEmpty() || files.isEmpty()) {
      throw new IllegalArgumentException(where + ": replaces " + replaced.size() + " file(s) with " + files.size()
          + "; a compaction replaces at least one file with at least one");
    }
    long in = replaced.stream().mapToLong(DataFile::rows).sum();
    long out = files.stream().mapToLong(DataFile::rows).sum();
    if (in != rows || out != rows) {
      throw new IllegalArgumentException(where + ": rows " + rows + ", replaced files hold " + in
          + ", new files hold " + out + "; a compaction keeps every row");
    }
    Set<String> paths = new HashSet<>();
    replaced.forEach(f -> paths.add(f.path()));
    for (DataFile f : files) {
      if (!paths.add(f.path())) {
        throw new IllegalArgumentException(where + ": " + f.path() + " is both replaced and new, or listed twice");
      }
    }
  }

  /** A compaction published now-ish; {@code sequence} is set when it commits ({@link #withSequence}). */
  public static CompactionManifest of(long sequence, Instant committedAt, String archiveRoot, long afterBatchId,
      List<String> partitions, List<DataFile> replaced, List<DataFile> files) {
    return new CompactionManifest(FORMAT_VERSION, KIND, sequence, committedAt, archiveRoot, afterBatchId, partitions,
        replaced, files, replaced.stream().mapToLong(DataFile::rows).sum());
  }

  public CompactionManifest withSequence(long next) {
    return new CompactionManifest(formatVersion, kind, next, committedAt, archiveRoot, afterBatchId, partitions,
        replaced, files, rows);
  }

  /** The file name: the sequence zero-padded to 20 digits, so names sort in commit order. */
  public static String fileName(long sequence) {
    return ArchiveLayout.numberedName(sequence);
  }
}
