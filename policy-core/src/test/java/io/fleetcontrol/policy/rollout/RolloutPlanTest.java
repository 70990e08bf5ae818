package io.fleetcontrol.policy.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.HealthRollup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {

  @Test
  void wavesMustGrowStayWithin100AndEndThere() {
    assertEquals(List.of(), RolloutPlan.problems(List.of(1.0, 10.0, 50.0, 100.0)));
    assertEquals(List.of(), RolloutPlan.problems(List.of(100.0)));
    assertEquals(List.of("wave_percents[1]: 5.0 does not grow past the wave before (10.0)"),
        RolloutPlan.problems(List.of(10.0, 5.0, 100.0)));
    assertTrue(RolloutPlan.problems(List.of(10.0, 120.0)).get(0).startsWith("wave_percents[1]: 120.0 is not within"));
    assertEquals(List.of("wave_percents: the last wave must reach 100, got 50.0"),
        RolloutPlan.problems(List.of(10.0, 50.0)));
    assertTrue(RolloutPlan.problems(List.of(0.0, 100.0)).get(0).startsWith("wave_percents[0]"));
    assertTrue(RolloutPlan.problems(List.of(Double.NaN, 100.0)).get(0).startsWith("wave_percents[0]"));
  }

  @Test
  void devicesFallInWavesInAboutThePlannedSharesAndAlwaysTheSameOne() {
    RolloutPlan plan = RolloutPlan.DEFAULT;
    int[] perWave = new int[plan.waveCount()];
    for (int n = 0; n < 100_000; n++) {
      perWave[plan.waveOf("default-3", "sim-" + n)]++;
    }
    assertEquals(1_000, perWave[0], 150);
    assertEquals(9_000, perWave[1], 400);
    assertEquals(40_000, perWave[2], 800);
    assertEquals(50_000, perWave[3], 800);
    assertEquals(plan.waveOf("default-3", "laptop-7"), plan.waveOf("default-3", "laptop-7"));

    // Another rollout draws another first wave: not the same 1 % of employees every time.
    List<String> firstA = new ArrayList<>();
    List<String> firstB = new ArrayList<>();
    for (int n = 0; n < 10_000; n++) {
      if (plan.waveOf("default-3", "sim-" + n) == 0) firstA.add("sim-" + n);
      if (plan.waveOf("default-4", "sim-" + n) == 0) firstB.add("sim-" + n);
    }
    assertTrue(firstA.stream().filter(firstB::contains).count() < firstA.size() / 4);
  }

  @Test
  void gatesAreCheckedFieldByField() {
    assertEquals(List.of(), RolloutGates.DEFAULTS.problems());
    assertEquals(List.of(), RolloutGates.ACK_ONLY.problems());
    RolloutGates bad = new RolloutGates(1.5, Duration.ZERO, Duration.ofSeconds(-1), 0.5, 2, 2, 2, true);
    List<String> problems = bad.problems();
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("gates.min_ack_fraction"));
    assertTrue(problems.get(3).startsWith("gates.max_battery_drain_ratio"));
  }

  // --- the health gate ---

  private static WaveHealth.DeviceHealth device(double drainPerHour, long uploadsPerHour, long errors, int pauses) {
    return new WaveHealth.DeviceHealth(
        new HealthRollup.Summary(60, drainPerHour, uploadsPerHour, errors, 0.5, 60_000_000), pauses);
  }

  private static List<WaveHealth.DeviceHealth> devices(int n, double drain, long uploads, long errors, int pauses) {
    List<WaveHealth.DeviceHealth> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(device(drain, uploads, errors, pauses));
    }
    return list;
  }

  @Test
  void aWaveDrainingThreeTimesFasterFailsTheGateAndSaysWhy() {
    var verdict = WaveHealth.compare(devices(10, 30, 20_000_000, 0, 0), devices(50, 10, 20_000_000, 0, 0),
        RolloutGates.DEFAULTS);
    assertEquals(WaveHealth.Outcome.FAILED, verdict.outcome());
    assertEquals(List.of("battery drain 30.0%/h on the wave against 10.0%/h on the rest: 3.0x, allowed 1.5x"),
        verdict.reasons());
  }

  @Test
  void aHealthyWavePassesAndEachOtherMetricCanFailOnItsOwn() {
    var healthy = WaveHealth.compare(devices(10, 11, 25_000_000, 0, 0), devices(50, 10, 20_000_000, 0, 0),
        RolloutGates.DEFAULTS);
    assertEquals(WaveHealth.Outcome.PASSED, healthy.outcome(), healthy.reasons().toString());

    assertTrue(WaveHealth.compare(devices(10, 10, 90_000_000, 0, 0), devices(50, 10, 20_000_000, 0, 0),
        RolloutGates.DEFAULTS).reasons().get(0).startsWith("uploads"));
    assertTrue(WaveHealth.compare(devices(10, 10, 1, 5, 0), devices(50, 10, 1, 0, 0),
        RolloutGates.DEFAULTS).reasons().get(0).startsWith("agent errors"));
    assertTrue(WaveHealth.compare(devices(10, 10, 1, 0, 3), devices(50, 10, 1, 0, 0),
        RolloutGates.DEFAULTS).reasons().get(0).startsWith("pauses"));
  }

  @Test
  void tooFewDevicesOnBatteryIsNotAPass() {
    var unknown = WaveHealth.compare(devices(2, 30, 1, 0, 0), devices(50, 10, 1, 0, 0), RolloutGates.DEFAULTS);
    assertEquals(WaveHealth.Outcome.NOT_ENOUGH_DATA, unknown.outcome());
    var noDrain = devices(10, Double.NaN, 1, 0, 0);
    assertEquals(WaveHealth.Outcome.NOT_ENOUGH_DATA,
        WaveHealth.compare(noDrain, devices(50, 10, 1, 0, 0), RolloutGates.DEFAULTS).outcome());
    assertEquals(WaveHealth.Outcome.PASSED,
        WaveHealth.compare(noDrain, List.of(), RolloutGates.ACK_ONLY).outcome(), "health comparison turned off");
  }
}
