package io.fleetcontrol.agent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.telemetry.TelemetrySample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SimulatedTelemetryTest {

  private static final Instant START = Instant.parse("2025-03-03T09:00:00Z");
  private static final long MB = 1L << 20;

  @Test
  void drainsWhileUnpluggedAndChargesOnceLowOverTwoDays() {
    SimulatedTelemetry telemetry = new SimulatedTelemetry(new Random(3), START);
    List<TelemetrySample> samples = readEvery(telemetry, Duration.ofMinutes(1), 48 * 60, 1);
    assertTrue(samples.stream().allMatch(s -> s.batteryKnown() && s.batteryPercent() >= 0));
    assertTrue(samples.stream().allMatch(s -> s.batteryPercent() <= 100));
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
  }

  @Test
  void sameDeviceReadsTheSameEveryRunAndDevicesDiffer() {
    List<TelemetrySample> first = readEvery(device(42, new FaultSwitches()), Duration.ofSeconds(10), 2000, 1);
    List<TelemetrySample> again = readEvery(device(42, new FaultSwitches()), Duration.ofSeconds(10), 2000, 1);
    List<TelemetrySample> other = readEvery(device(43, new FaultSwitches()), Duration.ofSeconds(10), 2000, 1);
    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void uploadsATrickleWithAnOccasionalBurstOfSeveralMegabytes() {
    List<TelemetrySample> day = readEvery(device(7, new FaultSwitches()), Duration.ofSeconds(10), 24 * 360, 1);
    long small = day.stream().filter(s -> s.uploadedBytesDelta() < 64 * 1024).count();
    long bursts = day.stream().filter(s -> s.uploadedBytesDelta() >= 2 * MB).count();
    long total = day.stream().mapToLong(TelemetrySample::uploadedBytesDelta).sum();
    assertTrue(small > 0.98 * day.size(), "nearly all heartbeats carry little: " + small + " of " + day.size());
    assertTrue(bursts >= 30 && bursts <= 120, "about one burst per 20 minutes over a day: " + bursts);
    assertTrue(total / 24 > 15 * MB && total / 24 < 40 * MB, "MB per hour: " + total / 24 / MB);
    assertTrue(day.stream().allMatch(s -> s.uploadedBytesDelta() >= 0 && s.uploadedBytesDelta() <= 9 * MB));
  }

  @Test
  void agentUsesLittleCpuAndTensOfMegabytes() {
    List<TelemetrySample> day = readEvery(device(9, new FaultSwitches()), Duration.ofSeconds(10), 24 * 360, 1);
    assertTrue(day.stream().allMatch(s -> s.agentCpuPercent() >= 0.1 && s.agentCpuPercent() <= 2.0));
    assertTrue(day.stream().allMatch(s -> s.agentRssBytes() >= 40 * MB && s.agentRssBytes() <= 80 * MB));
    double meanCpu = day.stream().mapToDouble(TelemetrySample::agentCpuPercent).average().orElseThrow();
    assertTrue(meanCpu < 0.5, "mostly idle: " + meanCpu);
  }

  @Test
  void reportsTheNetworkItWasGiven() {
    SimulatedTelemetry metered = new SimulatedTelemetry(new Random(1), START, true, new FaultSwitches());
    assertTrue(readEvery(metered, Duration.ofMinutes(1), 10, 1).stream().allMatch(TelemetrySample::meteredNetwork));
    SimulatedTelemetry unmetered = new SimulatedTelemetry(new Random(1), START);
    assertTrue(readEvery(unmetered, Duration.ofMinutes(1), 10, 1).stream().noneMatch(TelemetrySample::meteredNetwork));
  }

  @Test
  void drainsFactorTimesFasterOnTheFaultyVersionOnly() {
    FaultSwitches faults = new FaultSwitches();
    faults.drainFaster(2, 3.0);
    double normal = drainPerUnpluggedMinute(new FaultSwitches(), 2);
    double faulty = drainPerUnpluggedMinute(faults, 2);
    double otherVersion = drainPerUnpluggedMinute(faults, 1);
    assertTrue(normal > 0.3 && normal < 0.5, "a 3 to 5 hour battery: " + normal + " %/min");
    assertEquals(3.0, faulty / normal, 0.3, "faulty " + faulty + " vs " + normal + " %/min");
    assertEquals(normal, otherVersion, 1e-9);
  }

  @Test
  void crashesOnTheFaultyVersionOnlyAboutAsOftenAsAsked() {
    FaultSwitches faults = new FaultSwitches();
    faults.crashOn(2, Duration.ofHours(1));
    SimulatedTelemetry telemetry = device(5, faults);
    for (int minute = 1; minute <= 24 * 60; minute++) {
      telemetry.read(START.plus(Duration.ofMinutes(minute)), 1);
    }
    int crashes = 0;
    for (int minute = 1; minute <= 24 * 60; minute++) {
      try {
        telemetry.read(START.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(minute)), 2);
      } catch (SimulatedCrashException e) {
        crashes++;
      }
    }
    assertTrue(crashes >= 10 && crashes <= 45, "about 24 crashes in a day at one an hour: " + crashes);

    faults.clear(2);
    SimulatedTelemetry cleared = device(5, faults);
    readEvery(cleared, Duration.ofMinutes(1), 24 * 60, 2);
  }

  @Test
  void aCrashLosesOnlyThatSample() {
    FaultSwitches always = new FaultSwitches();
    always.crashOn(2, Duration.ofMillis(1));
    SimulatedTelemetry crashing = device(8, always);
    SimulatedTelemetry steady = device(8, new FaultSwitches());
    Instant at = START.plus(Duration.ofMinutes(1));
    assertThrows(SimulatedCrashException.class, () -> crashing.read(at, 2));
    steady.read(at, 2);
    Instant later = at.plus(Duration.ofMinutes(1));
    assertEquals(steady.read(later, 1), crashing.read(later, 1), "the rest of the device's readings unchanged");
  }

  /** Mean battery drop per minute over the minutes spent unplugged, across 20 devices and an hour each. */
  private static double drainPerUnpluggedMinute(FaultSwitches faults, long appliedVersion) {
    double dropped = 0;
    int minutes = 0;
    for (int n = 1; n <= 20; n++) {
      List<TelemetrySample> hour = readEvery(device(n, faults), Duration.ofMinutes(1), 60, appliedVersion);
      for (int i = 1; i < hour.size(); i++) {
        if (!hour.get(i - 1).charging() && !hour.get(i).charging()) {
          dropped += hour.get(i - 1).batteryPercent() - hour.get(i).batteryPercent();
          minutes++;
        }
      }
    }
    return dropped / minutes;
  }

  private static SimulatedTelemetry device(int n, FaultSwitches faults) {
    return new SimulatedTelemetry(new Random(n), START, false, faults);
  }

  private static List<TelemetrySample> readEvery(
      SimulatedTelemetry telemetry, Duration step, int reads, long appliedVersion) {
    List<TelemetrySample> samples = new ArrayList<>();
    for (int i = 1; i <= reads; i++) {
      samples.add(telemetry.read(START.plus(step.multipliedBy(i)), appliedVersion));
    }
    return samples;
  }
}
