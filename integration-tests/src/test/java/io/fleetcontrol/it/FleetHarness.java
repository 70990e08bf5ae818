package io.fleetcontrol.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.FleetController;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;

/**
 * A controller on the real Cassandra plus a client-side actor system for agents and admin calls.
 * The gRPC port is fixed for the harness's life, so agents find a restarted controller again.
 */
final class FleetHarness implements AutoCloseable {

  static final String ADMIN_TOKEN = "dev-admin-token";
  static final String ENROLLMENT_TOKEN = "dev-enroll-token";

  final LocalCassandra cassandra = new LocalCassandra();
  final int grpcPort = freePort();
  final ActorSystem<Void> clientSystem;
  final AdminServiceClient admin;
  final AgentServiceClient agentClient;
  private final Map<String, Object> overrides;
  private FleetController controller;

  FleetHarness() {
    this(Map.of());
  }

  /** {@code overrides}: controller settings for this test, e.g. shorter connection thresholds. */
  FleetHarness(Map<String, Object> overrides) {
    this.overrides = Map.copyOf(overrides);
    cassandra.startFresh();
    controller = FleetController.start(controllerConfig());
    clientSystem =
        ActorSystem.create(
            Behaviors.empty(),
            "agents",
            ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local"))
                .withFallback(ConfigFactory.load()));
    GrpcClientSettings settings =
        GrpcClientSettings.connectToServiceAt("127.0.0.1", grpcPort, clientSystem).withTls(false);
    admin = AdminServiceClient.create(settings, clientSystem);
    agentClient = AgentServiceClient.create(settings, clientSystem);
  }

  private Config controllerConfig() {
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.parseMap(
            Map.of(
                "fleet.grpc.port", grpcPort,
                "pekko.remote.artery.canonical.port", freePort(),
                "pekko.management.http.port", freePort(),
                "datastax-java-driver.basic.contact-points", List.of(cassandra.contactPoint()),
                // Longer than the starter policy's 10 s heartbeat, so a live device never looks stale.
                "fleet.connection.stale-after", "25s",
                "fleet.connection.offline-after", "60s")))
        .withFallback(ConfigFactory.load());
  }

  /** Stops the controller node the way SIGTERM would, and starts a fresh one on the same port. */
  void restartController() {
    controller.close();
    controller = FleetController.start(controllerConfig());
  }

  /** Stops the controller node as SIGTERM would; agents lose their streams until {@link #startController}. */
  void stopController() {
    controller.close();
    controller = null;
  }

  void startController() {
    controller = FleetController.start(controllerConfig());
  }

  /** The controller's own system: its Cassandra session points at the test Cassandra. */
  ActorSystem<Void> controllerSystem() {
    return controller == null ? null : controller.system();
  }

  @Override
  public void close() {
    admin.close();
    agentClient.close();
    clientSystem.terminate();
    if (controller != null) {
      controller.close();
    }
    cassandra.stop();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }
}
