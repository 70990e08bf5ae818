package io.fleetcontrol.agent;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or the deadline passes; for state that has no probe to wait on. */
public final class Eventually {

  private static final long POLL_MILLIS = 20;

  private Eventually() {}

  public static void await(Duration timeout, Supplier<String> whatWeWaitFor, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("Timed out after " + timeout.toMillis() + " ms waiting for " + whatWeWaitFor.get());
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }
}
