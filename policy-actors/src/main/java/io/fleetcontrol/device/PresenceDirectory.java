package io.fleetcontrol.device;

import io.fleetcontrol.policy.CaptureState;
import java.time.Instant;

/**
 * Where device entities record what they hear between journaled facts (last heartbeat and the
 * capture state it yields), so fleet-wide counts need not ask every entity.
 */
public interface PresenceDirectory {

  void heard(String deviceId, Instant at, CaptureState captureState);

  PresenceDirectory NONE = (deviceId, at, captureState) -> {};
}
