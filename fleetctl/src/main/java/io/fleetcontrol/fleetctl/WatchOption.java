package io.fleetcontrol.fleetctl;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Option;

/**
 * {@code --watch [INTERVAL]} for status and lists: show the answer again every INTERVAL until
 * Ctrl-C. On a terminal the screen is redrawn, like watch(1); otherwise each round follows the
 * previous one after a "# <time>" line, so a log or a pipe keeps every round.
 */
final class WatchOption {

  @Option(names = "--watch", arity = "0..1", fallbackValue = "2s", paramLabel = "INTERVAL",
      converter = DurationConverter.class,
      description = "Show it again every INTERVAL (default 2s) until Ctrl-C.")
  Duration every;

  @Option(names = "--watch-count", hidden = true, paramLabel = "N",
      description = "Stop watching after N rounds (for scripts and tests).")
  Integer rounds;

  /** One round of the command: fetch and print. */
  interface Round {
    void show() throws Exception;
  }

  int run(PrintWriter out, String title, Round round) throws Exception {
    if (every == null) {
      round.show();
      return ExitCodes.OK;
    }
    boolean terminal = System.console() != null;
    for (int done = 0; rounds == null || done < rounds; done++) {
      if (done > 0) {
        out.flush();
        Thread.sleep(every.toMillis());
      }
      String stamp = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      if (terminal) {
        TerminalText.clearScreen(out);
        out.println("Every " + Durations.format(every) + ": " + title + "    " + stamp);
        out.println();
      } else {
        out.println("# " + stamp + " " + title);
      }
      round.show();
      out.flush();
    }
    return ExitCodes.OK;
  }
}
