package dev.archiver;

/** A transient failure (storage or broker unreachable): nothing was committed and the same call may succeed later. */
public class RetriableException extends ArchiverException {
  public RetriableException(String message, Throwable cause) {
    super(message, cause);
  }
}
