package io.fleetcontrol.agent.simulator;

import java.time.Duration;
import java.util.Random;

/** Chance events for the simulator, by elapsed time so they look the same at any tick or heartbeat rate. */
final class RandomEvents {

  private RandomEvents() {}

  /** Whether an event that comes about once per {@code mean} (a Poisson process) came within {@code elapsed}. */
  static boolean happened(Random random, Duration elapsed, Duration mean) {
    if (elapsed.isNegative() || elapsed.isZero()) {
      return false;
    }
    double chance = 1 - Math.exp(-(double) elapsed.toMillis() / mean.toMillis());
    return random.nextDouble() < chance;
  }

  /** Uniformly between {@code shortest} and {@code longest}, both included. */
  static Duration between(Random random, Duration shortest, Duration longest) {
    long spread = longest.toMillis() - shortest.toMillis();
    return shortest.plusMillis(spread <= 0 ? 0 : random.nextLong(spread + 1));
  }
}
