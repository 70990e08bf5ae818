package io.fleetcontrol.agent.state;

import java.time.Instant;

/**
 * One of this device's exemptions as the controller last described it.
 *
 * @param expireTime when an approved exemption lapses; null when it has no end or is not approved
 * @param decidedBy who approved, denied or revoked it; empty while undecided
 * @param decisionReason the approver's words, mostly for denials and revocations; may be empty
 * @param decideTime null while undecided
 */
public record AgentExemption(
    String exemptionId,
    ExemptionScope scope,
    ExemptionReason reason,
    String comment,
    ExemptionStatus status,
    Instant requestTime,
    Instant expireTime,
    String decidedBy,
    String decisionReason,
    Instant decideTime) {}
