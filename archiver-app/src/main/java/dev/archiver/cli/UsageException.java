package dev.archiver.cli;

import dev.archiver.InvalidInputException;

/** A bad flag or argument; the CLI prints it with a pointer to {@code --help} and exits 2. */
final class UsageException extends InvalidInputException {
  UsageException(String message) {
    super(message);
  }
}
