package io.fleetcontrol.device;

import io.fleetcontrol.policy.Decision;
import java.time.Instant;

/**
 * Where device entities record what they hear between journaled facts (last heartbeat and the
 * capture decision it yields), and each fact as soon as it is journaled, so fleet-wide queries
 * need not ask every entity, nor wait for the projection to read the journal.
 */
public interface PresenceDirectory {

  void heard(String deviceId, Instant at, Decision decision);

  /**
   * The entity journaled this event (it is in the journal now). The projection reads it too, seconds
   * later; this is for what should show sooner.
   */
  default void journaled(DeviceEvent event) {}

  /** The device's entity stopped on this node (moved, passivated, shut down): what it heard is no longer news. */
  default void forget(String deviceId) {}

  PresenceDirectory NONE = (deviceId, at, decision) -> {};
}
