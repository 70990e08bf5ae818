package io.fleetcontrol.policy;

/**
 * The answer of {@link CaptureDecision}: allowed or not, the device's capture state, the rule that
 * decided, and in plain words why.
 */
public record Decision(boolean allowed, CaptureState state, Rule rule, String reason) {

  /** The rule that decided, in the order DESIGN.md checks them. */
  public enum Rule {
    NO_POLICY,
    NOTICE_PENDING,
    JURISDICTION,
    FULL_EXEMPTION,
    OFFLINE_LIMIT,
    PAUSE,
    SCHEDULE,
    BATTERY,
    BANDWIDTH,
    DENYLIST,
    NOT_ON_ALLOWLIST,
    KIND_DISABLED,
    PARTIAL_EXEMPTION,
    ALLOWED
  }

  public static Decision allow(String reason) {
    return new Decision(true, CaptureState.ACTIVE, Rule.ALLOWED, reason);
  }

  public static Decision deny(CaptureState state, Rule rule, String reason) {
    return new Decision(false, state, rule, reason);
  }
}
