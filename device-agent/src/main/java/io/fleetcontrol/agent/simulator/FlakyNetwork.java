package io.fleetcontrol.agent.simulator;

import java.time.Duration;

/**
 * The simulated agents whose network drops now and then: each stays away for a while, then reconnects.
 *
 * @param fraction share of devices with a flaky network, the same devices every run; 0 for a steady fleet
 * @param meanTimeBetweenOutages how often, on average, a flaky device loses its network
 * @param shortestOutage outages last between this and {@code longestOutage}, evenly spread
 */
public record FlakyNetwork(
    double fraction, Duration meanTimeBetweenOutages, Duration shortestOutage, Duration longestOutage) {

  /** No device ever drops. */
  public static final FlakyNetwork NONE =
      new FlakyNetwork(0, Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofMinutes(3));

  public FlakyNetwork {
    if (fraction < 0 || fraction > 1) {
      throw new IllegalArgumentException("flaky fraction must be within 0..1, got " + fraction);
    }
    if (!isPositive(meanTimeBetweenOutages) || !isPositive(shortestOutage)
        || longestOutage.compareTo(shortestOutage) < 0) {
      throw new IllegalArgumentException("outages need a positive mean interval and 0 < shortest <= longest, got "
          + meanTimeBetweenOutages + ", " + shortestOutage + ".." + longestOutage);
    }
  }

  public FlakyNetwork withFraction(double newFraction) {
    return new FlakyNetwork(newFraction, meanTimeBetweenOutages, shortestOutage, longestOutage);
  }

  private static boolean isPositive(Duration duration) {
    return !duration.isNegative() && !duration.isZero();
  }
}
