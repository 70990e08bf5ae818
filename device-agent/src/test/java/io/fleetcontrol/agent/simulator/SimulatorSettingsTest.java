package io.fleetcontrol.agent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulatorSettingsTest {

  @Test
  void readsTheRealismDefaults() {
    SimulatorSettings settings = SimulatorSettings.fromConfig(ConfigFactory.load());
    assertEquals(0.1, settings.meteredFraction());
    assertEquals(
        new FlakyNetwork(0.01, Duration.ofMinutes(15), Duration.ofSeconds(10), Duration.ofMinutes(3)),
        settings.flaky());
  }

  @Test
  void readsOverriddenKeys() {
    Config config = ConfigFactory.parseString("""
        fleet.agent.simulator {
          metered-fraction = 0.25
          flaky-fraction = 0
          flaky-mean-time-between-outages = 2m
          flaky-shortest-outage = 1s
          flaky-longest-outage = 5s
        }
        """).withFallback(ConfigFactory.load());
    SimulatorSettings settings = SimulatorSettings.fromConfig(config);
    assertEquals(0.25, settings.meteredFraction());
    assertEquals(
        new FlakyNetwork(0, Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofSeconds(5)), settings.flaky());
  }

  @Test
  void withersKeepTheRest() {
    SimulatorSettings settings = SimulatorSettings.fromConfig(ConfigFactory.load());
    SimulatorSettings steady = settings.withFlakyFraction(0).withMeteredFraction(0.5);
    assertEquals(0, steady.flaky().fraction());
    assertEquals(settings.flaky().meanTimeBetweenOutages(), steady.flaky().meanTimeBetweenOutages());
    assertEquals(0.5, steady.meteredFraction());
    assertEquals(settings.withStartRate(7).withAgentsPerClient(3).meteredFraction(), settings.meteredFraction());
  }

  @Test
  void refusesFractionsOutsideZeroToOneAndBackwardsOutages() {
    SimulatorSettings settings = SimulatorSettings.fromConfig(ConfigFactory.load());
    assertThrows(IllegalArgumentException.class, () -> settings.withFlakyFraction(1.5));
    assertThrows(IllegalArgumentException.class, () -> settings.withMeteredFraction(-0.1));
    assertThrows(IllegalArgumentException.class,
        () -> new FlakyNetwork(0.1, Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(1)));
  }
}
