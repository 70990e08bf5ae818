package io.fleetcontrol.agent.telemetry;

import io.fleetcontrol.policy.DeviceTelemetry;

/**
 * Health numbers for one heartbeat. Never captured content.
 *
 * @param batteryPercent 0..100, meaningful only when {@code batteryKnown}
 * @param uploadedBytesDelta bytes the capture tool uploaded since the previous sample
 * @param agentCpuPercent the agent process's share of one CPU since the previous sample, 0..100 x cores
 * @param agentRssBytes the agent process's resident memory; 0 when the OS does not say
 */
public record TelemetrySample(
    boolean batteryKnown,
    int batteryPercent,
    boolean charging,
    boolean meteredNetwork,
    long uploadedBytesDelta,
    double agentCpuPercent,
    long agentRssBytes) {

  /** A laptop whose OS says nothing about its battery and that uploaded nothing. */
  public static final TelemetrySample UNKNOWN = new TelemetrySample(false, -1, false, false, 0, 0, 0);

  /** As the decision and the wire see it, with the agent's errors since the previous heartbeat. */
  public DeviceTelemetry toDeviceTelemetry(int agentErrors) {
    return new DeviceTelemetry(batteryKnown, batteryPercent, charging, meteredNetwork, uploadedBytesDelta,
        agentCpuPercent, agentRssBytes, agentErrors);
  }

  /** Battery, network and uploads only; the agent's own CPU and memory unknown. */
  public static TelemetrySample device(
      boolean batteryKnown, int batteryPercent, boolean charging, boolean meteredNetwork, long uploadedBytesDelta) {
    return new TelemetrySample(batteryKnown, batteryPercent, charging, meteredNetwork, uploadedBytesDelta, 0, 0);
  }
}
