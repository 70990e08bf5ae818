package io.fleetcontrol.policy;

/** Where an exemption stands with its approvers. */
public enum ExemptionStatus {
  REQUESTED,
  APPROVED,
  DENIED,
  REVOKED,
  EXPIRED
}
