package dev.archiver;

/**
 * The commit may or may not have become durable (a manifest write whose outcome was not seen).
 * Do not delete the batch's files: a restart reads the manifests and either skips or redoes the batch.
 */
public class CommitStateUnknownException extends ArchiverException {
  public CommitStateUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
