package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HealthRollupTest {

  private static final Instant T0 = Instant.parse("2026-11-23T15:00:00Z");

  private static DeviceTelemetry battery(int percent, boolean charging, long uploaded, int errors) {
    return new DeviceTelemetry(true, percent, charging, false, uploaded, 1.0, 50_000_000, errors);
  }

  @Test
  void drainRateIsMeasuredOnlyWhileDischarging() {
    HealthRollup rollup = HealthRollup.EMPTY;
    // 30 minutes on battery, one sample a minute, 0.5 % a minute: 30 % an hour.
    for (int minute = 0; minute <= 30; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(90 - minute / 2, false, 0, 0));
    }
    HealthRollup.Summary onBattery = rollup.summary(T0.plus(Duration.ofMinutes(30)));
    assertEquals(30.0, onBattery.batteryDrainPercentPerHour(), 1.0);

    // Then plugged in for 20 minutes, the level rising: no drain counted, the rate stays.
    for (int minute = 31; minute <= 50; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(75 + minute - 30, true, 0, 0));
    }
    assertEquals(30.0, rollup.summary(T0.plus(Duration.ofMinutes(50))).batteryDrainPercentPerHour(), 1.0);
  }

  @Test
  void aDeviceNeverSeenDischargingHasNoDrainRate() {
    HealthRollup rollup = HealthRollup.EMPTY.add(T0, battery(50, true, 0, 0)).add(T0.plusSeconds(60), battery(51, true, 0, 0));
    assertFalse(rollup.summary(T0.plusSeconds(60)).hasDrainRate());
    HealthRollup unknown = HealthRollup.EMPTY.add(T0, DeviceTelemetry.UNKNOWN).add(T0.plusSeconds(60), DeviceTelemetry.UNKNOWN);
    assertFalse(unknown.summary(T0.plusSeconds(60)).hasDrainRate());
  }

  @Test
  void uploadsPerHourAndErrorsAddUpAndOldBucketsFallOut() {
    HealthRollup rollup = HealthRollup.EMPTY;
    for (int minute = 0; minute < 60; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(80, true, 1_000_000, minute == 10 ? 2 : 0));
    }
    HealthRollup.Summary hour = rollup.summary(T0.plus(Duration.ofMinutes(59)));
    assertEquals(60, hour.samples());
    assertEquals(60_000_000, hour.uploadedBytesPerHour());
    assertEquals(2, hour.agentErrors());
    assertEquals(1.0, hour.agentCpuPercentMean(), 1e-9);
    assertEquals(50_000_000, hour.agentRssBytesMax());
    assertTrue(rollup.buckets().size() <= 12, "bounded memory: " + rollup.buckets().size());

    HealthRollup.Summary later = rollup.summary(T0.plus(Duration.ofMinutes(59 + 61)));
    assertEquals(HealthRollup.Summary.NONE, later, "an hour later nothing is left");
  }

  @Test
  void aDeviceSeenForTenMinutesIsNotMadeToLookThrifty() {
    HealthRollup rollup = HealthRollup.EMPTY;
    for (int minute = 0; minute < 10; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(80, true, 1_000_000, 0));
    }
    // 10 MB in the 10 minutes (two buckets) it was seen: 60 MB an hour, not 10.
    assertEquals(60_000_000, rollup.summary(T0.plus(Duration.ofMinutes(9))).uploadedBytesPerHour());
  }

  @Test
  void aLongGapBetweenSamplesIsNotCountedAsDrain() {
    HealthRollup rollup = HealthRollup.EMPTY
        .add(T0, battery(90, false, 0, 0))
        .add(T0.plus(Duration.ofMinutes(30)), battery(40, false, 0, 0));
    assertFalse(rollup.summary(T0.plus(Duration.ofMinutes(30))).hasDrainRate(),
        "a laptop asleep for half an hour tells nothing about the policy's drain");
  }

  @Test
  void aDeviceOnTheLongestHeartbeatIntervalStillHasADrainRate() {
    // Beats every ten minutes (the most a policy allows), each a few seconds late: 2 % per beat.
    HealthRollup rollup = HealthRollup.EMPTY;
    Instant at = T0;
    for (int beat = 0; beat < 5; beat++) {
      rollup = rollup.add(at, battery(90 - 2 * beat, false, 0, 0));
      at = at.plus(PolicyValidator.MAX_HEARTBEAT).plusSeconds(3);
    }
    HealthRollup.Summary summary = rollup.summary(at);
    assertTrue(summary.hasDrainRate());
    assertEquals(12.0, summary.batteryDrainPercentPerHour(), 0.2);
  }

  @Test
  void theWindowSlidesSamplesOlderThanAnHourLeaveNewerOnesStay() {
    HealthRollup rollup = HealthRollup.EMPTY;
    // A busy first half hour (errors, uploads), then a quiet one.
    for (int minute = 0; minute < 30; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(80, true, 2_000_000, 1));
    }
    for (int minute = 30; minute < 90; minute++) {
      rollup = rollup.add(T0.plus(Duration.ofMinutes(minute)), battery(80, true, 0, 0));
    }
    HealthRollup.Summary lastHour = rollup.summary(T0.plus(Duration.ofMinutes(89)));
    assertEquals(0, lastHour.agentErrors(), "the busy half hour is more than an hour ago");
    assertEquals(0, lastHour.uploadedBytesPerHour());
    assertTrue(lastHour.samples() >= 55 && lastHour.samples() <= 60, "about an hour of samples: " + lastHour.samples());
  }

  @Test
  void memoryStaysTheSameOverADayOfFrequentHeartbeats() {
    HealthRollup rollup = HealthRollup.EMPTY;
    for (int beat = 0; beat < 24 * 360; beat++) { // every ten seconds for a day
      rollup = rollup.add(T0.plusSeconds(10L * beat), battery(80, true, 1_000, 0));
    }
    assertEquals(12, rollup.buckets().size());
    assertEquals(360, rollup.summary(T0.plusSeconds(10L * (24 * 360 - 1))).samples(), "one hour of them");
  }
}
