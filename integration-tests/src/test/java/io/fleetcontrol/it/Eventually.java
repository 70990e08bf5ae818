package io.fleetcontrol.it;

import java.time.Duration;
import java.time.Instant;

/** Polls an assertion until it holds or the deadline passes; the last failure is rethrown. */
final class Eventually {

  private Eventually() {}

  interface Check {
    void run() throws Exception;
  }

  static void within(Duration timeout, Check check) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (Instant.now().isAfter(deadline)) {
          throw e instanceof AssertionError a ? a : new AssertionError(e);
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
