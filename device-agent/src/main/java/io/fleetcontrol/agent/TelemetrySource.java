package io.fleetcontrol.agent;

import java.time.Instant;

/** Where heartbeats get their health numbers: the OS on a real laptop, a model in the simulator. */
public interface TelemetrySource {

  /** Called once per heartbeat, from the agent's own thread. */
  TelemetrySample read(Instant now);
}
