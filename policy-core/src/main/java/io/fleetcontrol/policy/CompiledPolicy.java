package io.fleetcontrol.policy;

import java.time.Instant;
import java.util.Objects;

/**
 * A policy made ready for many decisions; immutable and safe to share between threads. The
 * device-level rules ({@link DeviceRules}) give the capture state; {@link #decide} checks them
 * first, then the request-level rules, which refuse one capture while the device stays ACTIVE.
 * Get one from {@link CaptureDecision#compile}.
 */
public final class CompiledPolicy {

  private static final int KINDS = CaptureKind.values().length;

  private final Policy policy;
  private final Decision active;
  // Built on the first request: the capture state alone (every heartbeat) does not need them.
  private volatile Lists lists;

  /** Both lists indexed, and the allow decisions per allowlist entry and kind, made on first use. */
  private record Lists(TargetIndex allow, TargetIndex deny, Decision[] allowed) {}

  CompiledPolicy(Policy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.active = Decision.allow("capture allowed by policy " + policy.name() + " version " + policy.version());
  }

  public Policy policy() {
    return policy;
  }

  /** The device's capture state: every rule that does not depend on a particular request. */
  public Decision captureState(DeviceConditions device, Instant now) {
    Decision refusal = DeviceRules.firstRefusal(policy, device, now);
    return refusal != null ? refusal : active;
  }

  /** May the capture tool capture {@code request.kind()} in this app or on this site now? */
  public Decision decide(DeviceConditions device, Instant now, CaptureRequest request) {
    Objects.requireNonNull(request.kind(), "request.kind");
    Decision state = captureState(device, now);
    if (!state.allowed()) {
      return state;
    }
    Lists lists = lists();
    int denied = lists.deny.match(request);
    if (denied != TargetIndex.NO_MATCH) {
      return refuse(Decision.Rule.DENYLIST,
          target(request) + " is on the denylist (entry " + policy.denylist().get(denied).pattern() + ")");
    }
    int allowed = lists.allow.match(request);
    if (allowed == TargetIndex.NO_MATCH) {
      return refuse(Decision.Rule.NOT_ON_ALLOWLIST,
          target(request) + " is not on the allowlist for " + PlainWords.kind(request.kind()));
    }
    if (!policy.captureKinds().contains(request.kind())) {
      return refuse(Decision.Rule.KIND_DISABLED,
          PlainWords.kind(request.kind()) + " capture is not enabled by policy " + policy.name());
    }
    Decision exempt = partialExemption(device, now, request.kind());
    if (exempt != null) {
      return exempt;
    }
    if (request.kind() == CaptureKind.SCREENSHOTS && policy.battery().screenshotsOnlyWhileCharging()
        && !chargingKnown(DeviceRules.telemetry(device))) {
      return refuse(Decision.Rule.BATTERY, "screenshots only while charging");
    }
    return allowedBy(lists.allowed, allowed, request.kind());
  }

  private static Decision refuse(Decision.Rule rule, String reason) {
    return Decision.deny(CaptureState.ACTIVE, rule, reason);
  }

  private static String target(CaptureRequest request) {
    if (request.appId() != null) {
      return request.appId();
    }
    return request.siteHost() != null ? request.siteHost() : "a request without app or site";
  }

  private static boolean chargingKnown(DeviceTelemetry t) {
    return t.batteryKnown() && t.charging();
  }

  private static Decision partialExemption(DeviceConditions device, Instant now, CaptureKind kind) {
    for (Exemption exemption : device.exemptions()) {
      boolean refuses = exemption.scope() == ExemptionScope.NO_SCREENSHOTS && kind == CaptureKind.SCREENSHOTS
          || exemption.scope() == ExemptionScope.NO_KEYSTROKES && kind == CaptureKind.KEYSTROKES;
      if (refuses && exemption.activeAt(now)) {
        return refuse(Decision.Rule.PARTIAL_EXEMPTION,
            "exempt from " + PlainWords.kind(kind) + DeviceRules.until(exemption, device));
      }
    }
    return null;
  }

  // Made once per allowlist entry and kind, so the common answer allocates nothing. Decision is
  // immutable, so a race between two threads filling the same slot is harmless.
  private Decision allowedBy(Decision[] cache, int entry, CaptureKind kind) {
    int slot = entry * KINDS + kind.ordinal();
    Decision decision = cache[slot];
    if (decision == null) {
      decision = Decision.allow(PlainWords.kind(kind) + " allowed by allowlist entry "
          + policy.allowlist().get(entry).pattern() + " (policy " + policy.name() + " version "
          + policy.version() + ")");
      cache[slot] = decision;
    }
    return decision;
  }

  private Lists lists() {
    Lists built = lists;
    if (built == null) {
      built = new Lists(new TargetIndex(policy.allowlist()), new TargetIndex(policy.denylist()),
          new Decision[policy.allowlist().size() * KINDS]);
      lists = built;
    }
    return built;
  }
}
