package io.fleetcontrol.device;

import java.time.Duration;
import java.time.Instant;

/** Connection state from the age of the last heartbeat; heartbeats are not journaled. */
public enum ConnectionState {
  ONLINE,
  STALE,
  OFFLINE;

  public static ConnectionState of(
      Instant lastSeen, Instant now, Duration staleAfter, Duration offlineAfter) {
    if (lastSeen == null) {
      return OFFLINE;
    }
    Duration age = Duration.between(lastSeen, now);
    if (age.compareTo(offlineAfter) >= 0) {
      return OFFLINE;
    }
    return age.compareTo(staleAfter) >= 0 ? STALE : ONLINE;
  }
}
