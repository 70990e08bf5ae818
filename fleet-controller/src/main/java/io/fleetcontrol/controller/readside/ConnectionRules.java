package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.ConnectionState;
import java.time.Duration;
import java.time.Instant;

/**
 * How a directory row's age becomes a connection state: stale after {@code staleAfter} of silence,
 * offline after {@code offlineAfter}. A row {@code live} (see {@link PresenceWriter}) is vouched for by
 * the node that hears the device: its {@code last_seen} is refreshed only every {@code keepAlive}, and
 * the node writes the true last heartbeat as soon as the device falls silent. So its age counts from
 * {@code keepAlive} after {@code last_seen}: online while the node lives, and if the node dies, stale
 * and offline that much later than a device whose silence was written.
 */
public record ConnectionRules(Duration staleAfter, Duration offlineAfter, Duration keepAlive) {

  /**
   * The last heartbeat as far as the row can tell: its {@code last_seen}, or for a row its node still
   * vouches for, no earlier than {@code staleAfter} ago (had the device been silent that long, the node
   * would have written its true last heartbeat). A lower bound, to within a flush or two.
   */
  public Instant lastSeen(Instant lastSeen, Boolean live, Instant now) {
    if (lastSeen == null || !Boolean.TRUE.equals(live) || state(lastSeen, live, now) != ConnectionState.ONLINE) {
      return lastSeen;
    }
    Instant heardSince = now.minus(staleAfter);
    return heardSince.isAfter(lastSeen) ? heardSince : lastSeen;
  }

  /** {@code live}: null for rows written before rows were vouched for. */
  public ConnectionState state(Instant lastSeen, Boolean live, Instant now) {
    Instant vouchedUntil = Boolean.TRUE.equals(live) && lastSeen != null ? lastSeen.plus(keepAlive) : lastSeen;
    return ConnectionState.of(vouchedUntil, now, staleAfter, offlineAfter);
  }
}
