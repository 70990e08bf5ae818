package io.fleetcontrol.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Pauses taken in the device's current local day, for the policy's pauses-per-day rule. The
 * count starts again at local midnight; a pause stamped with a past day (made offline, reported
 * late) does not touch today's count.
 */
public record PauseQuota(LocalDate localDay, int pausesUsed) {

  public static final PauseQuota EMPTY = new PauseQuota(null, 0);

  private int usedOn(LocalDate day) {
    return day.equals(localDay) ? pausesUsed : 0;
  }

  /** Pauses the employee took on the local day of {@code now}: a rollout's pause-rate signal. */
  public int pausesTaken(Instant now, ZoneId zone) {
    return usedOn(LocalDate.ofInstant(now, zone));
  }

  /** Pauses the employee may still take today; unlimited when the policy sets no daily limit. */
  public PausesLeft pausesLeft(PauseRules rules, Instant now, ZoneId zone) {
    if (rules.pausesPerDay() == 0) {
      return PausesLeft.UNLIMITED;
    }
    return new PausesLeft(Math.max(0, rules.pausesPerDay() - usedOn(LocalDate.ofInstant(now, zone))));
  }

  /** The quota after one more pause that started at {@code at}. */
  public PauseQuota recordPause(Instant at, ZoneId zone) {
    LocalDate day = LocalDate.ofInstant(at, zone);
    if (localDay != null && day.isBefore(localDay)) {
      return this;
    }
    return new PauseQuota(day, usedOn(day) + 1);
  }
}
