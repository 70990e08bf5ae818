package io.fleetcontrol.agent.link;

/**
 * Where this agent's link to the controller stands (enrolling, streaming, backing off). Not the
 * controller's view of a device ({@code io.fleetcontrol.device.ConnectionState}: online, stale, offline).
 */
public enum LinkStatus {
  /** Trading the enrollment token for a device credential. */
  ENROLLING,
  /** Opening the Connect stream. */
  CONNECTING,
  /** The controller accepted the stream; heartbeats flow. */
  CONNECTED,
  /** Waiting out a jittered backoff before the next attempt. */
  BACKOFF,
  /** The controller refused this device for good (bad token, foreign credential); see the last problem. */
  REJECTED,
  /** Stopped by its owner. */
  STOPPED
}
