package io.fleetcontrol.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SimulatedTelemetryTest {

  private static final Instant START = Instant.parse("2025-03-03T09:00:00Z");

  @Test
  void drainsWhileUnpluggedAndChargesOnceLowOverTwoDays() {
    SimulatedTelemetry telemetry = new SimulatedTelemetry(new Random(3), START);
    List<TelemetrySample> samples = new ArrayList<>();
    for (int minute = 1; minute <= 48 * 60; minute++) {
      samples.add(telemetry.read(START.plus(Duration.ofMinutes(minute)), 1));
    }
    assertTrue(samples.stream().allMatch(s -> s.batteryKnown() && s.batteryPercent() >= 0 && s.batteryPercent() <= 100));
    assertTrue(samples.stream().anyMatch(TelemetrySample::charging), "plugged in at some point");
    assertTrue(samples.stream().anyMatch(s -> !s.charging()), "on battery at some point");
    boolean drainedWhileUnplugged = false;
    for (int i = 1; i < samples.size(); i++) {
      TelemetrySample before = samples.get(i - 1);
      TelemetrySample after = samples.get(i);
      if (!before.charging() && !after.charging()) {
        assertTrue(after.batteryPercent() <= before.batteryPercent(), "unplugged battery never rises");
        drainedWhileUnplugged |= after.batteryPercent() < before.batteryPercent();
      }
    }
    assertTrue(drainedWhileUnplugged);
    assertTrue(samples.stream().allMatch(s -> s.uploadedBytesDelta() >= 0 && s.uploadedBytesDelta() <= 256 * 1024));
  }
}
