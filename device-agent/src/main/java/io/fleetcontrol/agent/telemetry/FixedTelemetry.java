package io.fleetcontrol.agent.telemetry;

import java.time.Instant;

/** Reports the same sample every time: a stand-in until the OS readers exist, and a test double. */
public record FixedTelemetry(TelemetrySample sample) implements TelemetrySource {

  public static FixedTelemetry unknown() {
    return new FixedTelemetry(TelemetrySample.UNKNOWN);
  }

  @Override
  public TelemetrySample read(Instant now, long appliedPolicyVersion) {
    return sample;
  }
}
