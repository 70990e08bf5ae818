package io.fleetcontrol.agent.link;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
 * [0, min(cap, base * 2^n)], so thousands of agents cut off together do not return in the same second.
 *
 * @param resetAfter a stream that stayed up this long counts as healthy and starts the growth over;
 *     so does one that stayed up longer than the wait before the next retry would be
 */
public record ReconnectBackoff(Duration base, Duration cap, Duration resetAfter) {

  public static final ReconnectBackoff DEFAULT =
      new ReconnectBackoff(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(30));

  public ReconnectBackoff {
    if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= cap, got base " + base + ", cap " + cap);
    }
  }

  /** The longest wait before retry number {@code attempt} (0 for the first retry). */
  public Duration ceiling(int attempt) {
    long baseMillis = base.toMillis();
    // Past 2^30 the product would only exceed any sensible cap; stop shifting before it overflows.
    int doublings = Math.min(Math.max(attempt, 0), 30);
    long grown = baseMillis > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : baseMillis << doublings;
    return Duration.ofMillis(Math.min(grown, cap.toMillis()));
  }

  /**
   * Whether a stream that stayed up {@code uptime} after {@code attempt} failures starts the growth
   * over. A stream that outlived the wait its agent would take next was no flapping: an agent that
   * had a bad minute just before its node died still comes back in seconds.
   */
  public boolean healthy(Duration uptime, int attempt) {
    Duration enough = ceiling(attempt).compareTo(resetAfter) < 0 ? ceiling(attempt) : resetAfter;
    return uptime.compareTo(enough) >= 0;
  }

  /** How long to wait before retry number {@code attempt}: uniform in [0, ceiling(attempt)]. */
  public Duration delay(int attempt, Random random) {
    long ceilingMillis = ceiling(attempt).toMillis();
    return Duration.ofMillis(random.nextLong(ceilingMillis + 1));
  }

  /**
   * The wait before retry number {@code attempt} when the failed attempt itself took {@code spent}
   * (a controller that answered "not in time" after seconds): retries are spaced from the start of
   * the attempt, as gRPC spaces its own connection attempts, so a slow failure is not paid twice.
   */
  public Duration delayAfter(int attempt, Duration spent, Random random) {
    Duration remaining = delay(attempt, random).minus(spent);
    return remaining.isNegative() ? Duration.ZERO : remaining;
  }
}
