package io.fleetcontrol.device;

import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Instant;

/** One exemption of a device through its life: requested, then decided, then maybe ended. */
public record ExemptionRecord(
    String exemptionId,
    Exemption.Scope scope,
    ReasonCategory reason,
    String comment,
    Status status,
    Instant requestTime,
    Instant expireTime,
    String decidedBy,
    String decisionReason,
    Instant decideTime)
    implements CborSerializable {

  /** Why the employee asks; approvers see it first. */
  public enum ReasonCategory {
    BANDWIDTH,
    SENSITIVE_WORK,
    BATTERY,
    OTHER
  }

  public enum Status {
    REQUESTED,
    APPROVED,
    DENIED,
    REVOKED,
    EXPIRED
  }

  ExemptionRecord decided(Status newStatus, Instant newExpireTime, String by, String why, Instant at) {
    return new ExemptionRecord(exemptionId, scope, reason, comment, newStatus, requestTime,
        newExpireTime, by, why, at);
  }

  /** Approved and not yet past its expiry. */
  public boolean inForceAt(Instant now) {
    return status == Status.APPROVED && (expireTime == null || now.isBefore(expireTime));
  }
}
