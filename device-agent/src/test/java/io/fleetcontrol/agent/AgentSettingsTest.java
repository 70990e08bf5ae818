package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  @Test
  void defaultsComeFromReferenceConf() {
    AgentSettings settings = AgentSettings.fromConfig(ConfigFactory.defaultReference());
    assertEquals(Duration.ofSeconds(10), settings.defaultHeartbeatInterval());
    assertEquals(ReconnectBackoff.DEFAULT, settings.backoff());
    assertEquals("US", settings.identity().jurisdiction());
    assertEquals(ZoneId.systemDefault().getId(), settings.identity().timeZone(), "empty zone means the JVM's");
  }

  @Test
  void readsTheAgentBlock() {
    Config config =
        ConfigFactory.parseString(
                """
                fleet.agent {
                  controller { host = "controller.internal", port = 9443, use-tls = true }
                  enrollment-token = "t0k3n"
                  device-id = "laptop-7"
                  owner = "grace@example.com"
                  jurisdiction = "DE"
                  time-zone = "Europe/Berlin"
                  labels { team = "eng", site = "ber" }
                  agent-version = "2.4.1"
                  heartbeat-interval = 15s
                  reconnect { min-backoff = 1s, max-backoff = 60s, reset-after = 45s }
                }
                """)
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    AgentSettings settings = AgentSettings.fromConfig(config);
    assertEquals(new ControllerAddress("controller.internal", 9443, true), settings.controller());
    assertEquals("t0k3n", settings.enrollmentToken());
    assertEquals(
        new DeviceIdentity("laptop-7", "grace@example.com", "DE", Map.of("team", "eng", "site", "ber"), "2.4.1", "Europe/Berlin"),
        settings.identity());
    assertEquals(Duration.ofSeconds(15), settings.defaultHeartbeatInterval());
    assertEquals(
        new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(45)), settings.backoff());
  }

  @Test
  void parsesHostAndPort() {
    assertEquals(new ControllerAddress("10.0.0.5", 8101, false), ControllerAddress.parse("10.0.0.5:8101", false));
    assertThrows(IllegalArgumentException.class, () -> ControllerAddress.parse("no-port", false));
    assertThrows(IllegalArgumentException.class, () -> ControllerAddress.parse("host:http", false));
  }
}
