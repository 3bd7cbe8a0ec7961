package dev.archiver.commit;

import java.util.regex.Pattern;

/**
 * Where the archiver keeps its own files under an archive root, and how it names its commits: the one Java copy
 * (archiver-dbt's {@code archiver_dbt/layout.py} is the Python one). The manifests' contract is the JSON Schema in
 * {@code manifest-schema/} (README "Commit manifests").
 */
public final class ArchiveLayout {
  /** Every file of the archiver's own under an archive root lives below this directory; vacuum never touches it. */
  public static final String ARCHIVER_DIR = "_archiver";
  /** Batch manifests, {@code <batchId, 20 digits>.json}: a batch is committed exactly when its manifest exists. */
  public static final String MANIFESTS_DIR = ARCHIVER_DIR + "/manifests";
  /** Compaction manifests, {@code <sequence, 20 digits>.json}, beside (never among) the batch manifests. */
  public static final String COMPACTIONS_DIR = ARCHIVER_DIR + "/compactions";
  /**
   * Summaries of expired manifests ({@code archiver expire-manifests}), {@code <through batch id, 20 digits>.json};
   * the newest one counts.
   */
  public static final String SUMMARY_DIR = ARCHIVER_DIR + "/summary";
  /** An archive or quarantine file a batch wrote, {@code part-<batchId, 20 digits>-...}, or its Hadoop checksum. */
  public static final Pattern BATCH_FILE_NAME = Pattern.compile("\\.?part-(\\d{20})-.*");
  /** Spark's checkpoint when {@code output.checkpoint} is not set. */
  public static final String CHECKPOINT_DIR = ARCHIVER_DIR + "/checkpoint";
  /** A manifest's (or compaction's) file name; anything else in its directory (temp files) is not a commit. */
  public static final Pattern NUMBERED_NAME = Pattern.compile("(\\d{20})\\.json");

  private ArchiveLayout() {
  }

  /** A batch id (or sequence, or epoch) zero-padded to 20 digits, so names sort in number order. */
  public static String padded(long number) {
    if (number < 0) {
      throw new IllegalArgumentException("batch ids, sequences and epochs are >= 0, got " + number);
    }
    return String.format("%020d", number);
  }

  /** The file name of batch (or compaction) {@code number}: {@code <number, 20 digits>.json}. */
  public static String numberedName(long number) {
    return padded(number) + ".json";
  }

  /** The batch whose attempt wrote a data file named {@code fileName} (no directories), or -1 when not a batch's. */
  public static long batchOfFile(String fileName) {
    var match = BATCH_FILE_NAME.matcher(fileName);
    return match.matches() ? Long.parseLong(match.group(1)) : -1;
  }

  /** The number a commit file is named after, or -1 when the name is not a commit's. */
  public static long numberOf(String fileName) {
    var match = NUMBERED_NAME.matcher(fileName);
    return match.matches() ? Long.parseLong(match.group(1)) : -1;
  }
}
