package dev.archiver.cli;

import dev.archiver.metrics.BatchMetrics;
import dev.archiver.metrics.BatchObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp;

/**
 * {@code run}'s live progress on a terminal: a line per batch and, for an {@code available-now} run, a bar of the
 * backlog kept below them (erased and drawn again after each batch line). Only on a real terminal, which JLine tells
 * apart from a pipe or a file: a log collected by Airflow or a script gets none of it.
 */
final class RunProgress implements BatchObserver, AutoCloseable {
  private final Terminal terminal;
  private final PrintWriter out;
  private final boolean bar;
  private final ProgressFormat format = new ProgressFormat();
  private final long started = System.nanoTime();
  private boolean barShown;

  private RunProgress(Terminal terminal, boolean bar) {
    this.terminal = terminal;
    this.out = terminal.writer();
    this.bar = bar;
  }

  /** Progress on the process's terminal; empty when standard output is not one (or it cannot be opened). */
  static Optional<RunProgress> onTerminal(boolean availableNow) {
    try {
      // dumb(true): without a terminal JLine gives a "dumb" one instead of failing; that means "no progress".
      Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build();
      if (terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
        terminal.close();
        return Optional.empty();
      }
      return Optional.of(new RunProgress(terminal, availableNow));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public synchronized void onBatch(BatchMetrics metrics) {
    eraseBar();
    out.println(format.batch(metrics));
    if (bar) {
      out.print(format.bar(Math.max(20, terminal.getWidth() - 1), Duration.ofNanos(System.nanoTime() - started)));
      barShown = true;
    }
    out.flush();
  }

  /** Back to the start of the bar's line, cleared, so the next line takes its place. */
  private void eraseBar() {
    if (barShown) {
      out.print('\r');
      if (!terminal.puts(InfoCmp.Capability.clr_eol)) {
        out.print(" ".repeat(Math.max(0, terminal.getWidth() - 1)) + "\r");
      }
      barShown = false;
    }
  }

  @Override
  public synchronized void close() {
    if (barShown) {
      out.println();
      barShown = false;
    }
    out.flush();
    try {
      terminal.close();
    } catch (IOException e) {
      // the run is over; nothing left to draw
    }
  }
}
