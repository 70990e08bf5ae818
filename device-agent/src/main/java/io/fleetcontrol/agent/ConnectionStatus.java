package io.fleetcontrol.agent;

/** Where an agent stands with the controller. */
public enum ConnectionStatus {
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
