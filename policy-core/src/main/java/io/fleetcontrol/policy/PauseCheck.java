package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/** Whether an employee's pause request fits the policy; the reason in plain words if not. */
public final class PauseCheck {

  private PauseCheck() {}

  public static Optional<String> refusal(
      PauseRules rules, PauseQuota quota, Duration requested, Instant now, ZoneId zone) {
    if (requested == null || requested.isZero() || requested.isNegative()) {
      return Optional.of("a pause must last longer than zero");
    }
    if (requested.compareTo(rules.maxPause()) > 0) {
      return Optional.of("a pause may last at most " + words(rules.maxPause()));
    }
    if (quota.pausesLeft(rules, now, zone) == 0) {
      return Optional.of("no pauses left today (" + rules.pausesPerDay() + " per day)");
    }
    return Optional.empty();
  }

  static String words(Duration d) {
    if (d.toSecondsPart() == 0 && d.toMinutes() > 0) {
      long minutes = d.toMinutes();
      return minutes % 60 == 0 && minutes >= 60
          ? (minutes / 60) + (minutes == 60 ? " hour" : " hours")
          : minutes + (minutes == 1 ? " minute" : " minutes");
    }
    return d.toSeconds() + " seconds";
  }
}
