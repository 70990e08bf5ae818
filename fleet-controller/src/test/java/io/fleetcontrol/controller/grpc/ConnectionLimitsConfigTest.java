package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.junit.jupiter.api.Test;

/**
 * The connections a node holds at once, as pekko-http reads them from the controller's own config
 * (the ServerSettings its gRPC binding gets): one laptop is one connection, so pekko-http's default
 * of 1,024 would cap a node at about a thousand laptops (issue 16).
 */
class ConnectionLimitsConfigTest {

  private static final int PEKKO_HTTP_DEFAULT = 1024;

  private static int maxConnections(Config config) {
    return ServerSettings.create(config).getMaxConnections();
  }

  @Test
  void theControllersConfigAndTheDevProfileHold200000Connections() {
    assumeTrue(System.getenv("FLEET_MAX_CONNECTIONS") == null, "FLEET_MAX_CONNECTIONS is set in this environment");
    assertEquals(PEKKO_HTTP_DEFAULT, maxConnections(ConfigFactory.defaultReference()),
        "pekko-http's own default, which the controller's grpc.conf must override");
    assertEquals(200_000, maxConnections(ConfigFactory.load()));
    assertEquals(200_000, maxConnections(ConfigFactory.load("dev")));
  }

  @Test
  void fleetMaxConnectionsOverridesIt() {
    // ${?FLEET_MAX_CONNECTIONS} finds a root-level key before the environment, as it would find the variable.
    Config config = ConfigFactory.parseMap(Map.of("FLEET_MAX_CONNECTIONS", "3000"))
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    assertEquals(3_000, maxConnections(config));
  }
}
