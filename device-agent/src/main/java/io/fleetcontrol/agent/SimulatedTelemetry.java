package io.fleetcontrol.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * A laptop on battery: drains while unplugged, is plugged in when low and charges until nearly full,
 * and uploads a small random amount between heartbeats. Battery follows elapsed time, not the
 * number of reads, so it looks the same whatever the heartbeat interval.
 */
public final class SimulatedTelemetry implements TelemetrySource {

  private static final double DRAIN_PERCENT_PER_MINUTE = 0.4;
  private static final double CHARGE_PERCENT_PER_MINUTE = 1.5;
  private static final double PLUG_IN_BELOW = 15;
  private static final double UNPLUG_ABOVE = 95;
  private static final long MAX_UPLOAD_BYTES_PER_READ = 256 * 1024;

  private final Random random;
  private double batteryPercent;
  private boolean charging;
  private Instant lastRead;

  public SimulatedTelemetry(Random random, Instant start) {
    this.random = random;
    this.batteryPercent = 40 + random.nextInt(61);
    this.charging = random.nextInt(5) == 0;
    this.lastRead = start;
  }

  @Override
  public TelemetrySample read(Instant now, long appliedPolicyVersion) {
    advanceBattery(Duration.between(lastRead, now));
    lastRead = now;
    long uploaded = random.nextLong(MAX_UPLOAD_BYTES_PER_READ + 1);
    return TelemetrySample.device(true, (int) Math.round(batteryPercent), charging, false, uploaded);
  }

  private void advanceBattery(Duration elapsed) {
    double minutes = Math.max(0, elapsed.toMillis()) / 60_000.0;
    if (charging) {
      batteryPercent = Math.min(100, batteryPercent + minutes * CHARGE_PERCENT_PER_MINUTE);
      charging = batteryPercent < UNPLUG_ABOVE;
    } else {
      batteryPercent = Math.max(0, batteryPercent - minutes * DRAIN_PERCENT_PER_MINUTE);
      charging = batteryPercent < PLUG_IN_BELOW;
    }
  }
}
