package dev.archiver;

/**
 * Root of the archiver's failures. Each subclass names what the caller may do next:
 * {@link InvalidInputException} (fix the input, retrying is useless), {@link CommitConflictException}
 * (the target already holds another writer's state), {@link RetriableException} (try again later)
 * and {@link CommitStateUnknownException} (the commit may or may not have happened: do not clean up).
 */
public class ArchiverException extends RuntimeException {
  public ArchiverException(String message) {
    super(message);
  }

  public ArchiverException(String message, Throwable cause) {
    super(message, cause);
  }
}
