package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;

/**
 * The one decision shared by the controller and the agent: may capture run on this device now?
 * Pure: no clock, no I/O; the caller passes {@code now}. Rules are checked in DESIGN.md's order and
 * the first that refuses wins.
 */
public final class CaptureDecision {

  private CaptureDecision() {}

  /** The device's capture state: the decision without a specific capture request. */
  public static Decision captureState(Policy policy, DeviceConditions device, Instant now) {
    if (policy == null) {
      return Decision.deny(CaptureState.NO_POLICY, Decision.Rule.NO_POLICY,
          "no policy has been applied on this device");
    }
    if (policy.requiresNotice() && device.noticeAcknowledgedVersion() < policy.version()) {
      return Decision.deny(CaptureState.NOTICE_PENDING, Decision.Rule.NOTICE_PENDING,
          "the employee has not yet acknowledged the monitoring notice of policy version "
              + policy.version());
    }
    if (!policy.jurisdictions().contains(device.jurisdiction())) {
      return Decision.deny(CaptureState.REGION_BLOCKED, Decision.Rule.JURISDICTION,
          "capture is not allowed in " + device.jurisdiction() + " (allowed: "
              + String.join(", ", policy.jurisdictions().stream().sorted().toList()) + ")");
    }
    if (offlineTooLong(policy, device, now)) {
      return Decision.deny(CaptureState.OFFLINE_FAIL_CLOSED, Decision.Rule.OFFLINE_LIMIT,
          "the agent has not reached the controller for longer than "
              + policy.offlineLimit().toMinutes() + " minutes");
    }
    return Decision.allow("capture allowed by policy " + policy.name() + " version " + policy.version());
  }

  private static boolean offlineTooLong(Policy policy, DeviceConditions device, Instant now) {
    Instant last = device.lastControllerContact();
    return last == null || Duration.between(last, now).compareTo(policy.offlineLimit()) > 0;
  }
}
