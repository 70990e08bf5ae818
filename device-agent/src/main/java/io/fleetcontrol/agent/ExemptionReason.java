package io.fleetcontrol.agent;

/** Why the employee asks for an exemption. */
public enum ExemptionReason {
  BANDWIDTH,
  SENSITIVE_WORK,
  BATTERY,
  OTHER
}
