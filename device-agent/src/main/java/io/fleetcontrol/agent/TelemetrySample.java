package io.fleetcontrol.agent;

/**
 * Health numbers for one heartbeat. Never captured content.
 *
 * @param batteryPercent 0..100, meaningful only when {@code batteryKnown}
 * @param uploadedBytesDelta bytes the capture tool uploaded since the previous sample
 */
public record TelemetrySample(
    boolean batteryKnown,
    int batteryPercent,
    boolean charging,
    boolean meteredNetwork,
    long uploadedBytesDelta) {

  /** A laptop whose OS says nothing about its battery and that uploaded nothing. */
  public static final TelemetrySample UNKNOWN = new TelemetrySample(false, -1, false, false, 0);
}
