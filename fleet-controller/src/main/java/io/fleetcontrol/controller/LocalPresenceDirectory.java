package io.fleetcontrol.controller;

import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.PresenceDirectory;
import io.fleetcontrol.policy.CaptureState;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's memory of when each device was last heard from and its capture state. Entities
 * write it on every heartbeat (a map put, no I/O); fleet queries read it. One node holds all the
 * entities for now; with several nodes each holds its own share and a query must gather them.
 */
final class LocalPresenceDirectory implements PresenceDirectory {

  record Presence(Instant lastSeen, CaptureState captureState) {}

  private final Map<String, Presence> byDevice = new ConcurrentHashMap<>();
  private final Duration staleAfter;
  private final Duration offlineAfter;

  LocalPresenceDirectory(Duration staleAfter, Duration offlineAfter) {
    this.staleAfter = staleAfter;
    this.offlineAfter = offlineAfter;
  }

  @Override
  public void heard(String deviceId, Instant at, CaptureState captureState) {
    byDevice.put(deviceId, new Presence(at, captureState));
  }

  Presence presenceOf(String deviceId) {
    return byDevice.get(deviceId);
  }

  ConnectionState connectionOf(String deviceId, Instant now) {
    Presence presence = byDevice.get(deviceId);
    return ConnectionState.of(
        presence == null ? null : presence.lastSeen(), now, staleAfter, offlineAfter);
  }
}
