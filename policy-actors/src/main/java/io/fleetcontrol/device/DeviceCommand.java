package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What a device entity is told. A {@link Request} is answered, with a refusal while the device is not
 * enrolled; the rest (heartbeats, stream bookkeeping, the entity's own timers) are not.
 *
 * <p>The employee's requests carry the agent's request id ({@code requestId}, null: none). An agent
 * whose stream dropped before the answer sends the same request again with the same id; a request
 * already taken is answered again and not done twice.
 */
public sealed interface DeviceCommand extends CborSerializable {

  /** A command someone waits on. */
  sealed interface Request<R> extends DeviceCommand {
    ActorRef<StatusReply<R>> replyTo();
  }

  /**
   * Enroll. The first enrollment assigns {@code initialPolicy}. Once enrolled, only the same
   * enrollment again ({@code enrollmentIdHash}), a re-key ({@code presentedCredentialHash}: the hash
   * of the current credential, which the edge checked) or an admin's reset lets a credential be made;
   * {@code credentialHash} is the hash of the new one (the entity and the journal hold no more).
   * Anything else is {@link EnrollOutcome.AlreadyEnrolled}. {@code tokenId}: the enrollment token
   * spent, for the audit trail (null for a re-key).
   */
  record Enroll(
      DeviceIdentity identity,
      String enrollmentIdHash,
      String credentialHash,
      String presentedCredentialHash,
      String tokenId,
      Policy initialPolicy,
      ActorRef<StatusReply<EnrollOutcome>> replyTo)
      implements Request<EnrollOutcome> {}

  /** An admin lets this id enroll again (a new laptop, a wiped disk): the old credential is refused. */
  record ResetDevice(String by, String reason, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  /** An admin cuts this device off: its stream closes, its credential and enrollments are refused. */
  record RevokeDevice(String by, String reason, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  /** An agent stream opened for this device: check its credential, then push to it from now on. */
  record AttachConnection(
      String credentialHash, ActorRef<AgentPush> connection, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  record DetachConnection(ActorRef<AgentPush> connection) implements DeviceCommand {}

  /**
   * The node holding this device's stream says it is still open. Sent after a node left the
   * cluster: this entity may have started afresh elsewhere and not know the stream, and the
   * device's heartbeats told to the old node were lost.
   */
  record StreamStillOpen(ActorRef<AgentPush> connection, String credentialHash) implements DeviceCommand {}

  /**
   * Updates memory only (and now and then an upload roll-up). {@code connection} is the stream it
   * came through: an entity that started afresh on another node after its old node died (the stream
   * itself lives on) learns from it where to push again, but only while {@code credentialHash}, the
   * credential the stream opened with, is still the device's. Both null: no stream (tests, tools).
   */
  record Heartbeat(
      Instant receivedAt,
      DeviceTelemetry telemetry,
      PolicyVersion appliedPolicy,
      String agentVersion,
      ActorRef<AgentPush> connection,
      String credentialHash)
      implements DeviceCommand {}

  /** {@code by}: who assigned it, for the audit trail (an admin's name, "rollout <id>"). */
  record AssignPolicy(Policy policy, String by, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  record AckPolicy(PolicyVersion policy, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  /**
   * A rollout's rollback: if the device's target is still {@code policyName} v{@code fromVersion},
   * it goes back to the policy it had before. Anything else changes nothing, so a rollback can be
   * repeated after a restart without moving a device twice.
   */
  record RevertPolicy(String policyName, long fromVersion, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  record AcknowledgeNotice(String requestId, PolicyVersion policy, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  /** The employee pauses; {@code requestTime} may be in the past when the pause was made offline. */
  record StartPause(
      String requestId, Duration duration, Instant requestTime, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Request<DeviceSummary> {}

  record EndPause(String requestId, ActorRef<StatusReply<DeviceSummary>> replyTo) implements Request<DeviceSummary> {}

  record RequestExemption(
      String requestId,
      ExemptionScope scope,
      ExemptionReason reason,
      String comment,
      Instant requestTime,
      ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Request<ExemptionRecord> {}

  record ApproveExemption(
      String exemptionId, Instant expireTime, String approver, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Request<ExemptionRecord> {}

  record DenyExemption(
      String exemptionId, String reason, String approver, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Request<ExemptionRecord> {}

  record RevokeExemption(
      String exemptionId, String reason, String revokedBy, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Request<ExemptionRecord> {}

  record GetSummary(ActorRef<StatusReply<DeviceSummary>> replyTo) implements Request<DeviceSummary> {}

  /** From the entity's own timers. */
  record PauseTimerFired() implements DeviceCommand {}

  record ExemptionTimerFired(String exemptionId) implements DeviceCommand {}
}
