package io.fleetcontrol.agent.telemetry;

import java.time.Instant;

/** Where heartbeats get their health numbers: the OS on a real laptop, a model in the simulator. */
public interface TelemetrySource {

  /**
   * Called once per heartbeat, from the agent's own thread. {@code appliedPolicyVersion} (0: none)
   * lets the simulator model a policy version that behaves badly; real sources ignore it.
   */
  TelemetrySample read(Instant now, long appliedPolicyVersion);
}
