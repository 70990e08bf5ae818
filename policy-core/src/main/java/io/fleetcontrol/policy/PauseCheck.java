package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Whether an employee's pause request fits the policy. The device entity asks before it records
 * a pause, the agent before it sends one; both show the refusal to the employee as it is.
 */
public final class PauseCheck {

  private PauseCheck() {}

  /**
   * Why a pause of {@code requested}, asked for at {@code now}, is refused, in plain words; empty
   * when it may start. Refused: zero or negative durations, anything longer than the policy's
   * longest pause ("a pause may last at most 30 minutes"), and any pause once today's are used up.
   */
  public static Optional<String> refusal(
      PauseRules rules, PauseQuota quota, Duration requested, Instant now, ZoneId zone) {
    if (requested == null || requested.isZero() || requested.isNegative()) {
      return Optional.of("a pause must last longer than zero");
    }
    if (requested.compareTo(rules.maxPause()) > 0) {
      return Optional.of("a pause may last at most " + PlainWords.duration(rules.maxPause()));
    }
    if (!quota.pausesLeft(rules, now, zone).any()) {
      return Optional.of("no pauses left today (" + rules.pausesPerDay() + " a day)");
    }
    return Optional.empty();
  }
}
