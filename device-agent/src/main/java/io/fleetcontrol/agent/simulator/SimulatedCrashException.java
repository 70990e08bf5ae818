package io.fleetcontrol.agent.simulator;

/**
 * Thrown by the simulator's telemetry to make an agent crash as a buggy build would. The agent's
 * supervisor restarts it; no stack trace, since there is no bug to find and a fleet of them is noisy.
 */
public final class SimulatedCrashException extends RuntimeException {

  public SimulatedCrashException(String message) {
    super(message, null, false, false);
  }
}
