package io.fleetcontrol.device;

import io.fleetcontrol.policy.Decision;
import java.time.Instant;

/**
 * Where device entities record what they hear between journaled facts (last heartbeat and the
 * capture decision it yields), so fleet-wide queries need not ask every entity.
 */
public interface PresenceDirectory {

  void heard(String deviceId, Instant at, Decision decision);

  /** The device's entity stopped on this node (moved, passivated, shut down): what it heard is no longer news. */
  default void forget(String deviceId) {}

  PresenceDirectory NONE = (deviceId, at, decision) -> {};
}
