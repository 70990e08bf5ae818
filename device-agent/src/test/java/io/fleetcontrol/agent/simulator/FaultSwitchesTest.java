package io.fleetcontrol.agent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FaultSwitchesTest {

  private final FaultSwitches faults = new FaultSwitches();

  @Test
  void everyVersionBehavesUntilSwitchedOn() {
    assertEquals(1.0, faults.drainFactor(3));
    assertEquals(Optional.empty(), faults.meanTimeBetweenCrashes(3));
    assertEquals(Optional.empty(), faults.pauseHabit(3));
    assertEquals("none", faults.toString());
  }

  @Test
  void switchesApplyToTheirVersionOnlyAndTurnOffAgain() {
    faults.drainFaster(3, 2.5);
    faults.crashOn(4, Duration.ofMinutes(10));
    faults.pauseOften(3, 0.2, Duration.ofHours(1));
    assertEquals(2.5, faults.drainFactor(3));
    assertEquals(1.0, faults.drainFactor(4));
    assertEquals(Optional.of(Duration.ofMinutes(10)), faults.meanTimeBetweenCrashes(4));
    assertEquals(Optional.empty(), faults.meanTimeBetweenCrashes(3));
    assertEquals(0.2, faults.pauseHabit(3).orElseThrow().fraction());
    assertEquals("v3 drains 2.5x as fast, v4 crashes about every 10m, 20 % of v3 pause about every 1h",
        faults.toString());

    faults.clear(3);
    assertEquals(1.0, faults.drainFactor(3));
    assertTrue(faults.pauseHabit(3).isEmpty());
    assertTrue(faults.meanTimeBetweenCrashes(4).isPresent(), "other versions keep theirs");
    faults.clear();
    assertEquals("none", faults.toString());
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> faults.drainFaster(3, 0));
    assertThrows(IllegalArgumentException.class, () -> faults.drainFaster(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> faults.crashOn(3, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> faults.pauseOften(3, 1.5, Duration.ofMinutes(1)));
  }
}
