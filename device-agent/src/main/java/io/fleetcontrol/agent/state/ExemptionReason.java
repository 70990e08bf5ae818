package io.fleetcontrol.agent.state;

/** Why the employee asks for an exemption. */
public enum ExemptionReason {
  BANDWIDTH,
  SENSITIVE_WORK,
  BATTERY,
  OTHER
}
