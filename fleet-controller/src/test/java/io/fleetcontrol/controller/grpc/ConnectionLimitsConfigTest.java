package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The connection rules of the gRPC port as ControllerServer reads them from the controller's own
 * config: one laptop is one connection, so the cap is the number of laptops a node serves (issue 16).
 */
class ConnectionLimitsConfigTest {

  private static Config connections(Config config) {
    return config.getConfig("fleet.grpc.connections");
  }

  @Test
  void theControllersConfigAndTheDevProfileHold200000Connections() {
    assumeTrue(System.getenv("FLEET_MAX_CONNECTIONS") == null, "FLEET_MAX_CONNECTIONS is set in this environment");
    assertEquals(200_000, connections(ConfigFactory.load()).getInt("max-connections"));
    assertEquals(200_000, connections(ConfigFactory.load("dev")).getInt("max-connections"));
  }

  @Test
  void fleetMaxConnectionsOverridesIt() {
    // ${?FLEET_MAX_CONNECTIONS} finds a root-level key before the environment, as it would find the variable.
    Config config = ConfigFactory.parseMap(Map.of("FLEET_MAX_CONNECTIONS", "3000"))
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    assertEquals(3_000, connections(config).getInt("max-connections"));
  }

  @Test
  void pingsComeBeforeTheIdleTimeoutAndTheirTimeoutIsShorterThanTheirInterval() {
    Config rules = connections(ConfigFactory.load());
    Duration interval = rules.getDuration("ping-interval");
    Duration timeout = rules.getDuration("ping-timeout");
    // A quiet stream is pinged long before an idle connection would be closed, and a ping is
    // overdue before the next one is due.
    assertEquals(-1, interval.compareTo(rules.getDuration("idle-timeout")));
    assertEquals(-1, timeout.compareTo(interval));
  }
}
