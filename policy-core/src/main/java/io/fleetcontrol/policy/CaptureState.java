package io.fleetcontrol.policy;

/** Whether capture may run on a device now; every state but ACTIVE names the rule that stopped it. */
public enum CaptureState {
  ACTIVE,
  PAUSED,
  EXEMPT,
  REGION_BLOCKED,
  OUTSIDE_SCHEDULE,
  BATTERY_LOW,
  BANDWIDTH_CAPPED,
  OFFLINE_FAIL_CLOSED,
  NO_POLICY,
  NOTICE_PENDING
}
