package io.fleetcontrol.policy;

/**
 * Health numbers from one heartbeat. Never captured content.
 *
 * @param batteryPercent 0..100, meaningful only when {@code batteryKnown}
 * @param uploadedBytesDelta bytes the capture tool reported uploading since the previous heartbeat
 */
public record DeviceTelemetry(
    boolean batteryKnown,
    int batteryPercent,
    boolean charging,
    boolean meteredNetwork,
    long uploadedBytesDelta,
    double agentCpuPercent,
    long agentRssBytes,
    int agentErrorCount) {

  public static final DeviceTelemetry UNKNOWN =
      new DeviceTelemetry(false, -1, false, false, 0, 0, 0, 0);
}
