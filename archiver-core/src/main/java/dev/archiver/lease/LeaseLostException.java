package dev.archiver.lease;

import dev.archiver.CommitConflictException;

/** This writer no longer holds its output: another driver took it over, or its claim could not be renewed in time. */
public final class LeaseLostException extends CommitConflictException {
  public LeaseLostException(String message) {
    super(message);
  }
}
