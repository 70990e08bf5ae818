package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The one pause rule: whether an employee's pause request may start. Every path asks it: the device
 * entity before it records a pause; the agent's local API before it passes a request on; the agent
 * before it sends one and before it lets a pause made offline take effect on the laptop. Each shows
 * the refusal's words to the employee as they are.
 */
public final class PauseCheck {

  private PauseCheck() {}

  /** Which part of the rule refused; the first two are about the request itself, not about the device. */
  public enum Rule {
    /** Zero or negative. */
    NOT_POSITIVE,
    /** Longer than the policy's longest pause. */
    TOO_LONG,
    /** A pause is in force already. */
    ALREADY_PAUSED,
    /** Today's pauses are used up. */
    NONE_LEFT;

    /** The request could never be granted, whatever the device's state. */
    public boolean badRequest() {
      return this == NOT_POSITIVE || this == TOO_LONG;
    }
  }

  /** Why a pause may not start, and the words for the employee. */
  public record Refusal(Rule rule, String message) {}

  /**
   * Why a pause of {@code requested} is refused; empty when it may start. Checked in this order:
   * zero or negative durations; anything longer than the policy's longest pause ("a pause may last
   * at most 30 minutes"); a pause already in force; no pauses left today.
   *
   * @param rules the policy's pause rules; null where no policy is known yet (an agent before its
   *     first policy): then the length is only checked to be positive and the count is not checked
   * @param left pauses left today (some, none, or no daily limit); null
   *     where the count is not known for sure (the agent's local API, whose count may be from
   *     yesterday): then only the controller checks it
   * @param pausedUntil the end of the pause in force, null when none
   */
  public static Optional<Refusal> check(PauseRules rules, PausesLeft left, Instant pausedUntil, Duration requested) {
    if (requested == null || requested.isZero() || requested.isNegative()) {
      return refuse(Rule.NOT_POSITIVE, "a pause must last longer than zero");
    }
    if (rules != null && requested.compareTo(rules.maxPause()) > 0) {
      return refuse(Rule.TOO_LONG, "a pause may last at most " + PlainWords.duration(rules.maxPause()));
    }
    if (pausedUntil != null) {
      return refuse(Rule.ALREADY_PAUSED, "capture is already paused until " + pausedUntil);
    }
    if (rules != null && left != null && !left.any()) {
      return refuse(Rule.NONE_LEFT, "no pauses left today (" + rules.pausesPerDay() + " a day)");
    }
    return Optional.empty();
  }

  /**
   * {@link #check} for a device with no pause in force, counting today's pauses from its quota in
   * its time zone: the words only.
   */
  public static Optional<String> refusal(
      PauseRules rules, PauseQuota quota, Duration requested, Instant now, ZoneId zone) {
    return check(rules, quota.pausesLeft(rules, now, zone), null, requested).map(Refusal::message);
  }

  private static Optional<Refusal> refuse(Rule rule, String message) {
    return Optional.of(new Refusal(rule, message));
  }
}
