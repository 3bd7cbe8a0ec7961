package dev.archiver;

/** The target already holds state this writer did not produce (another query's manifest, say). Nothing was written. */
public class CommitConflictException extends ArchiverException {
  public CommitConflictException(String message) {
    super(message);
  }
}
