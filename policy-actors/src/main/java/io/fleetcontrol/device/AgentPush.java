package io.fleetcontrol.device;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * What a device entity sends to the connection actor that holds the agent's stream. The
 * connection may live on another node, so these are serializable.
 */
public sealed interface AgentPush extends CborSerializable {

  /** The effective policy for the device; the agent applies it and acks the version. */
  record PolicyChanged(String deviceId, Policy policy) implements AgentPush {}

  /** The pause started or ended; {@code pauseEnd == null} when none is active. */
  record PauseChanged(String deviceId, Instant pauseStart, Instant pauseEnd, PausesLeft pausesLeftToday)
      implements AgentPush {}

  /** The device's exemptions, all of them, after any change. */
  record ExemptionsChanged(String deviceId, List<ExemptionRecord> exemptions) implements AgentPush {}

  /** Tell the agent to send a heartbeat now: the entity found this stream again and wants news. */
  record HeartbeatWanted(String deviceId) implements AgentPush {}

  /** A newer stream for the same device took over; this one must close. */
  record Superseded(String deviceId) implements AgentPush {}

  /** The stream's credential is no longer the device's (an admin reset or revoked it): the stream must close. */
  record CredentialWithdrawn(String deviceId, String why) implements AgentPush {}
}
