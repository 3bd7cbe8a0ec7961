package dev.archiver;

/** Bad config, flags or data: the message names the field and the fix. Retrying does not help. */
public class InvalidInputException extends ArchiverException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
