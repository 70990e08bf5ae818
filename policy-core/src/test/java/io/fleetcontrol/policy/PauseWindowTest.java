package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a pause runs, above all one made offline and reported late. */
class PauseWindowTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration HALF_HOUR = Duration.ofMinutes(30);

  @Test
  void aPauseAskedForNowRunsFromNow() {
    assertEquals(new PauseWindow(NOW, NOW.plus(HALF_HOUR)), PauseWindow.of(null, HALF_HOUR, NOW));
    assertEquals(new PauseWindow(NOW, NOW.plus(HALF_HOUR)), PauseWindow.of(NOW, HALF_HOUR, NOW));
  }

  @Test
  void anOfflinePauseStillRunningStartsWhenTheEmployeeAsked() {
    Instant asked = NOW.minus(Duration.ofMinutes(10));
    assertEquals(new PauseWindow(asked, asked.plus(HALF_HOUR)), PauseWindow.of(asked, HALF_HOUR, NOW));
  }

  @Test
  void anOfflinePauseThatWouldBeOverRunsItsFullLengthFromNow() {
    Instant asked = NOW.minus(Duration.ofHours(2));
    assertEquals(new PauseWindow(NOW, NOW.plus(HALF_HOUR)), PauseWindow.of(asked, HALF_HOUR, NOW));
    assertEquals(new PauseWindow(NOW, NOW.plus(HALF_HOUR)), PauseWindow.of(NOW.minus(HALF_HOUR), HALF_HOUR, NOW),
        "a pause that ends exactly now is over");
  }

  @Test
  void aRequestTimeInTheFutureIsTakenAsNow() {
    assertEquals(new PauseWindow(NOW, NOW.plus(HALF_HOUR)), PauseWindow.of(NOW.plusSeconds(300), HALF_HOUR, NOW));
    assertEquals(NOW, PauseWindow.askedStart(NOW.plusSeconds(300), NOW));
  }

  @Test
  void theCountIsOfTheDayTheEmployeeAsked() {
    Instant yesterday = NOW.minus(Duration.ofDays(1));
    assertEquals(yesterday, PauseWindow.askedStart(yesterday, NOW));
  }
}
