package io.fleetcontrol.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

  private final ReconnectBackoff backoff = ReconnectBackoff.DEFAULT;

  /** A Random that always draws the same end of the range it is asked for. */
  private static Random always(boolean highest) {
    return new Random() {
      @Override
      public long nextLong(long bound) {
        return highest ? bound - 1 : 0;
      }
    };
  }

  @Test
  void ceilingDoublesFromTheBaseUntilTheCap() {
    assertEquals(Duration.ofMillis(500), backoff.ceiling(0));
    assertEquals(Duration.ofMillis(1000), backoff.ceiling(1));
    assertEquals(Duration.ofMillis(2000), backoff.ceiling(2));
    assertEquals(Duration.ofMillis(16000), backoff.ceiling(5));
    assertEquals(Duration.ofSeconds(30), backoff.ceiling(6));
    assertEquals(Duration.ofSeconds(30), backoff.ceiling(1000), "no overflow on long outages");
    assertEquals(Duration.ofSeconds(30), backoff.ceiling(Integer.MAX_VALUE));
  }

  @Test
  void delayReachesBothEndsOfTheRange() {
    assertEquals(Duration.ZERO, backoff.delay(3, always(false)));
    assertEquals(Duration.ofMillis(4000), backoff.delay(3, always(true)));
    assertEquals(Duration.ofSeconds(30), backoff.delay(50, always(true)));
  }

  @Test
  void aSlowFailedAttemptCountsTowardsTheWait() {
    // Retry 3 may wait up to 4 s; an attempt that took 1.5 s of it leaves 2.5 s, one that took 5 s none.
    assertEquals(Duration.ofMillis(2500), backoff.delayAfter(3, Duration.ofMillis(1500), always(true)));
    assertEquals(Duration.ZERO, backoff.delayAfter(3, Duration.ofSeconds(5), always(true)));
    assertEquals(Duration.ZERO, backoff.delayAfter(3, Duration.ofMillis(1500), always(false)));
    assertEquals(Duration.ofMillis(4000), backoff.delayAfter(3, Duration.ZERO, always(true)));
  }

  @Test
  void aStreamThatOutlivedTheNextWaitStartsTheGrowthOver() {
    // After 4 failures the next wait is up to 8 s: a stream up 12 s was healthy, one up 3 s flapped.
    assertTrue(backoff.healthy(Duration.ofSeconds(12), 4));
    assertTrue(!backoff.healthy(Duration.ofSeconds(3), 4));
    // Never more than resetAfter is asked for, however long the waits grew.
    assertTrue(backoff.healthy(Duration.ofSeconds(30), 50));
    assertTrue(!backoff.healthy(Duration.ofSeconds(29), 50));
  }

  @Test
  void jitteredDelaysStayWithinTheCeilingAndSpreadOverIt() {
    Random random = new Random(42);
    for (int attempt = 0; attempt < 12; attempt++) {
      long ceiling = backoff.ceiling(attempt).toMillis();
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int i = 0; i < 2000; i++) {
        long delay = backoff.delay(attempt, random).toMillis();
        assertTrue(delay >= 0 && delay <= ceiling, "attempt " + attempt + ": " + delay + " ms");
        min = Math.min(min, delay);
        max = Math.max(max, delay);
      }
      // Full jitter: agents cut off together spread over the whole window, not bunched near its end.
      assertTrue(min < ceiling / 10, "attempt " + attempt + " smallest " + min);
      assertTrue(max > ceiling * 9 / 10, "attempt " + attempt + " largest " + max);
    }
  }

  @Test
  void refusesABaseAboveTheCap() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ReconnectBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(30)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(30)));
  }
}
