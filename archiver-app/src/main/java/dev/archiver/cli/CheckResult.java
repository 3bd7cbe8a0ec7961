package dev.archiver.cli;

import java.util.Optional;

/**
 * One line of {@code archiver doctor}: which check, its outcome, what was seen, and for a failure what to do.
 *
 * @param fix empty unless {@code outcome} is {@link Outcome#FAIL}
 */
record CheckResult(String check, Outcome outcome, String detail, Optional<String> fix) {
  enum Outcome {
    OK("ok"), FAIL("FAIL"), SKIP("skip");

    private final String label;

    Outcome(String label) {
      this.label = label;
    }
  }

  static CheckResult ok(String check, String detail) {
    return new CheckResult(check, Outcome.OK, detail, Optional.empty());
  }

  static CheckResult skip(String check, String why) {
    return new CheckResult(check, Outcome.SKIP, why, Optional.empty());
  }

  static CheckResult fail(String check, String detail, String fix) {
    return new CheckResult(check, Outcome.FAIL, detail, Optional.of(fix));
  }

  boolean failed() {
    return outcome == Outcome.FAIL;
  }

  /** {@code ok    broker      127.0.0.1:9092 answered (1 broker)}; a failure adds {@code -> fix: ...}. */
  String line() {
    return String.format(java.util.Locale.ROOT, "%-5s %-12s %s%s", outcome.label, check, detail,
        fix.map(f -> " -> fix: " + f).orElse(""));
  }
}
