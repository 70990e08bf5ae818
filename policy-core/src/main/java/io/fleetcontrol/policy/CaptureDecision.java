package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * The one decision shared by the controller and the agent (DESIGN.md "The decision"): may capture
 * run on this device now, and may this capture happen? Pure: no clock, no I/O; the caller passes
 * {@code now}. First match wins, in this order:
 *
 * <ol>
 *   <li>device level, the capture state: no policy, notice not acknowledged, jurisdiction, full
 *       exemption, offline too long, active pause, schedule, battery low, bandwidth cap or metered
 *       network set to BLOCK;
 *   <li>request level, the device stays ACTIVE: denylist, not on the allowlist, kind not enabled,
 *       partial exemption, screenshots only while charging.
 * </ol>
 *
 * <p>Callers that decide often on one policy (the agent's gate) hold the {@link CompiledPolicy}
 * from {@link #compile}; the static methods decide once and keep nothing (no state is shared
 * between callers: the capture state alone needs no index, so they cost no more than that).
 */
public final class CaptureDecision {

  private CaptureDecision() {}

  /**
   * The policy's lists indexed for fast decisions (built lazily, on the first request). A new one
   * each call: the caller keeps it as long as it decides on this policy.
   */
  public static CompiledPolicy compile(Policy policy) {
    return new CompiledPolicy(policy);
  }

  /** The device's capture state: the decision without a request. {@code policy} may be null. */
  public static Decision captureState(Policy policy, DeviceConditions device, Instant now) {
    return policy == null ? noPolicy() : compile(policy).captureState(device, now);
  }

  /** The capture state's rules, then the request's. {@code policy} may be null. */
  public static Decision decide(Policy policy, DeviceConditions device, Instant now, CaptureRequest request) {
    return policy == null ? noPolicy() : compile(policy).decide(device, now, request);
  }

  static Decision noPolicy() {
    return Decision.deny(CaptureState.NO_POLICY, Decision.Rule.NO_POLICY, "no policy has been applied on this device");
  }
}
