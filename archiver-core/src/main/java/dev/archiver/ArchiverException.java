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

  /** The innermost cause as {@code Type: first line of its message}: what an operator reads first. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? "" : root.getMessage().strip();
    int nl = message.indexOf('\n');
    String first = nl < 0 ? message : message.substring(0, nl);
    return root.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
  }
}
