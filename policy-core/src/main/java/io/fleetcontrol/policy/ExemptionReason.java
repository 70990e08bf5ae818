package io.fleetcontrol.policy;

/** Why the employee asks for an exemption; approvers see it first. */
public enum ExemptionReason {
  BANDWIDTH,
  SENSITIVE_WORK,
  BATTERY,
  OTHER
}
