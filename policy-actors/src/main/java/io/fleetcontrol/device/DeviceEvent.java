package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Instant;

/**
 * What a device entity journals: facts only (enrollment, assignments, acks, pauses, exemption
 * decisions, an upload roll-up now and then), never a heartbeat. Fields added later are null in
 * events written before them; {@link DeviceState} says how each is read then. Events journaled when
 * these were nested in {@code DeviceEntity} read back through {@link DeviceMessagesRename}.
 */
public sealed interface DeviceEvent extends CborSerializable {

  String deviceId();

  /**
   * {@code tokenId}: the enrollment token it spent. {@code initialPolicy}: the policy assigned with
   * the enrollment, in the same event, so an enrollment is one journal row; null when there was none,
   * and in older events, where a {@link PolicyAssigned} by "system" followed.
   */
  record DeviceEnrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, String enrollmentIdHash,
      String tokenId, Instant enrollTime, Policy initialPolicy)
      implements DeviceEvent {}

  /** A new credential for an enrolled id: a re-key ({@code tokenId == null}) or an enrollment after a reset. */
  record DeviceReenrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, String enrollmentIdHash,
      String tokenId, Instant reenrollTime)
      implements DeviceEvent {}

  record DeviceReset(String deviceId, String by, String reason, Instant resetTime) implements DeviceEvent {}

  record DeviceRevoked(String deviceId, String by, String reason, Instant revokeTime) implements DeviceEvent {}

  /** {@code assignedBy}: an admin, "rollout <id>", "rollback" or "system"; null in older events. */
  record PolicyAssigned(String deviceId, Policy policy, Instant assignTime, String assignedBy)
      implements DeviceEvent {}

  /** {@code policyName}: null in older events (the target's name then). */
  record PolicyApplied(String deviceId, long version, Instant applyTime, String policyName)
      implements DeviceEvent {}

  /** {@code requestId}: the agent's request behind it. {@code policyName}: null in older events (the target's). */
  record NoticeAcknowledged(
      String deviceId, long version, Instant acknowledgeTime, String requestId, String policyName)
      implements DeviceEvent {}

  record PauseStarted(String deviceId, Instant start, Instant end, String requestId) implements DeviceEvent {}

  /** {@code byEmployee}: resumed by hand; otherwise it ran out on time (and {@code requestId} is null). */
  record PauseEnded(String deviceId, Instant endTime, boolean byEmployee, String requestId)
      implements DeviceEvent {}

  record ExemptionRequested(
      String deviceId, String exemptionId, ExemptionScope scope, ExemptionReason reason, String comment,
      Instant requestTime, String requestId)
      implements DeviceEvent {}

  record ExemptionApproved(
      String deviceId, String exemptionId, Instant expireTime, String approver, Instant decideTime)
      implements DeviceEvent {}

  record ExemptionDenied(
      String deviceId, String exemptionId, String reason, String approver, Instant decideTime)
      implements DeviceEvent {}

  record ExemptionRevoked(
      String deviceId, String exemptionId, String reason, String revokedBy, Instant revokeTime)
      implements DeviceEvent {}

  record ExemptionExpired(String deviceId, String exemptionId, Instant expireTime) implements DeviceEvent {}

  record UploadsRolledUp(String deviceId, UploadCounters counters) implements DeviceEvent {}
}
