package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * One exemption of a device through its life: requested, then decided, then maybe ended. The
 * device entity keeps these, the agent holds the copies the controller sent, the read side lists
 * them; only the approved, unexpired ones reach the decision, as {@link Exemption}.
 *
 * @param comment the employee's words; may be empty
 * @param expireTime when an approved exemption lapses; null when it has no end or is not approved
 * @param decidedBy who approved, denied or revoked it; null or empty while undecided
 * @param decisionReason the approver's words, mostly for denials and revocations; may be null or empty
 * @param decideTime null while undecided
 */
public record ExemptionRecord(
    String exemptionId,
    ExemptionScope scope,
    ExemptionReason reason,
    String comment,
    ExemptionStatus status,
    Instant requestTime,
    Instant expireTime,
    String decidedBy,
    String decisionReason,
    Instant decideTime) {

  /** Just asked for, not decided. */
  public static ExemptionRecord requested(
      String exemptionId, ExemptionScope scope, ExemptionReason reason, String comment, Instant at) {
    return new ExemptionRecord(exemptionId, scope, reason, comment, ExemptionStatus.REQUESTED, at, null, null, null, null);
  }

  /** The same exemption after an approver's (or the clock's) decision. */
  public ExemptionRecord decided(ExemptionStatus newStatus, Instant newExpireTime, String by, String why, Instant at) {
    return new ExemptionRecord(exemptionId, scope, reason, comment, newStatus, requestTime,
        newExpireTime, by, why, at);
  }

  /** Approved and not yet past its expiry. */
  public boolean inForceAt(Instant now) {
    return status == ExemptionStatus.APPROVED && (expireTime == null || now.isBefore(expireTime));
  }

  /** What the decision honours while this one is in force. */
  public Exemption toExemption() {
    return new Exemption(exemptionId, scope, expireTime);
  }
}
