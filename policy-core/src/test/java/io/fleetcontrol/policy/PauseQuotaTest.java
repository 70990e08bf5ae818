package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Pauses per local day of the device. */
class PauseQuotaTest {

  private static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");
  private static final PauseRules THREE_A_DAY = new PauseRules(Duration.ofMinutes(30), 3);
  private static final Instant MORNING = Instant.parse("2026-11-23T17:00:00Z"); // 09:00 in Los Angeles

  @Test
  void noLimitMeansAsManyAsWanted() {
    PauseQuota used = PauseQuota.EMPTY.recordPause(MORNING, LOS_ANGELES).recordPause(MORNING, LOS_ANGELES);
    assertEquals(PausesLeft.UNLIMITED, used.pausesLeft(PauseRules.DEFAULT, MORNING, LOS_ANGELES));
  }

  @Test
  void eachPauseUsesOneOfTheDaysQuota() {
    PauseQuota q = PauseQuota.EMPTY;
    assertEquals(3, q.pausesLeft(THREE_A_DAY, MORNING, LOS_ANGELES).count());
    for (int left = 2; left >= 0; left--) {
      q = q.recordPause(MORNING, LOS_ANGELES);
      assertEquals(left, q.pausesLeft(THREE_A_DAY, MORNING, LOS_ANGELES).count());
    }
    assertEquals(0, q.recordPause(MORNING, LOS_ANGELES).pausesLeft(THREE_A_DAY, MORNING, LOS_ANGELES).count(), "never negative");
  }

  @Test
  void theQuotaComesBackAtLocalMidnight() {
    PauseQuota q = PauseQuota.EMPTY.recordPause(MORNING, LOS_ANGELES).recordPause(MORNING, LOS_ANGELES)
        .recordPause(MORNING, LOS_ANGELES);
    Instant lateEvening = Instant.parse("2026-11-24T07:59:59Z"); // 23:59:59 in Los Angeles, already the 24th in UTC
    assertEquals(0, q.pausesLeft(THREE_A_DAY, lateEvening, LOS_ANGELES).count());
    assertEquals(3, q.pausesLeft(THREE_A_DAY, lateEvening.plusSeconds(1), LOS_ANGELES).count());
    assertEquals(1, q.recordPause(lateEvening.plusSeconds(1), LOS_ANGELES).pausesUsed());
  }

  @Test
  void aPauseFromYesterdayReportedLateDoesNotTouchToday() {
    PauseQuota today = PauseQuota.EMPTY.recordPause(MORNING, LOS_ANGELES);
    assertSame(today, today.recordPause(MORNING.minus(Duration.ofDays(1)), LOS_ANGELES));
  }
}
