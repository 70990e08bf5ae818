package io.fleetcontrol.agent.state;

/** Where an exemption stands with its approvers. */
public enum ExemptionStatus {
  REQUESTED,
  APPROVED,
  DENIED,
  REVOKED,
  EXPIRED
}
