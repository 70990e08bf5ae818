package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * The one decision shared by the controller and the agent: may capture run on this device now,
 * and may this capture happen? Pure: no clock, no I/O; the caller passes {@code now}. For many
 * decisions on one policy (the agent's gate) compile it once with {@link #compile}.
 */
public final class CaptureDecision {

  private CaptureDecision() {}

  public static CompiledPolicy compile(Policy policy) {
    return new CompiledPolicy(policy);
  }

  /** The device's capture state: the decision without a specific capture request. */
  public static Decision captureState(Policy policy, DeviceConditions device, Instant now) {
    return policy == null ? noPolicy() : compile(policy).captureState(device, now);
  }

  public static Decision decide(Policy policy, DeviceConditions device, Instant now, CaptureRequest request) {
    return policy == null ? noPolicy() : compile(policy).decide(device, now, request);
  }

  static Decision noPolicy() {
    return Decision.deny(CaptureState.NO_POLICY, Decision.Rule.NO_POLICY, "no policy has been applied on this device");
  }
}
