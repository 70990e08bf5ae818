package io.fleetcontrol.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.controller.FleetController;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.Rollout;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
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

  /** The dev profile's admin token (dev.conf); its operator, approver and viewer tokens are named alike. */
  static final String ADMIN_TOKEN = "dev-admin-token";

  final LocalCassandra cassandra = new LocalCassandra();
  final int grpcPort = freePort();
  /** /ready, /alive and /metrics; fixed like the gRPC port, so a restarted controller keeps it. */
  final int managementPort = freePort();
  final ActorSystem<Void> clientSystem;
  final AdminServiceClient admin;
  final AgentServiceClient agentClient;
  /** Created through the admin API at start, as an admin would: enough uses for any test. */
  final String enrollmentToken;
  private final boolean tls;
  private Map<String, Object> overrides;
  private FleetController controller;
  private final List<FleetSimulator> simulators = new java.util.ArrayList<>();
  private final List<io.fleetcontrol.agent.DeviceAgent> agents = new java.util.ArrayList<>();

  FleetHarness() {
    this(Map.of());
  }

  /** {@code overrides}: controller settings for this test, e.g. shorter connection thresholds. */
  FleetHarness(Map<String, Object> overrides) {
    this(overrides, true);
  }

  /**
   * {@code tls == false}: plaintext gRPC (the dev profile allows it on loopback), for benchmarks
   * that weigh what TLS costs; tests run with TLS.
   */
  FleetHarness(Map<String, Object> overrides, boolean tls) {
    this.tls = tls;
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    if (!tls) {
      all.put("fleet.grpc.tls.certificate-chain-file", "");
      all.put("fleet.grpc.tls.private-key-file", "");
    }
    this.overrides = Map.copyOf(all);
    cassandra.startFresh();
    controller = FleetController.start(controllerConfig());
    clientSystem =
        ActorSystem.create(
            Behaviors.empty(),
            "agents",
            ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local"))
                .withFallback(ConfigFactory.load()));
    GrpcClientSettings settings = tls
        ? TestTls.client(grpcPort, clientSystem)
        : GrpcClientSettings.connectToServiceAt("127.0.0.1", grpcPort, clientSystem).withTls(false);
    admin = AdminServiceClient.create(settings, clientSystem);
    agentClient = AgentServiceClient.create(settings, clientSystem);
    enrollmentToken = createEnrollmentToken(admin, 100_000);
  }

  /** A fresh token with {@code uses} uses for 30 days, made by the dev admin. */
  static String createEnrollmentToken(AdminServiceClient admin, int uses) {
    return createEnrollmentToken(admin, ADMIN_TOKEN, uses);
  }

  /** A fresh token with {@code uses} uses for 30 days, made by the admin whose bearer token is {@code adminToken}. */
  static String createEnrollmentToken(AdminServiceClient admin, String adminToken, int uses) {
    try {
      return admin.createEnrollmentToken().addHeader("authorization", "Bearer " + adminToken)
          .invoke(CreateEnrollmentTokenRequest.newBuilder()
              .setMaxUses(uses)
              .setExpireTime(com.google.protobuf.Timestamp.newBuilder()
                  .setSeconds(java.time.Instant.now().plus(java.time.Duration.ofDays(30)).getEpochSecond()))
              .build())
          .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS)
          .getSecretToken();
    } catch (Exception e) {
      throw new IllegalStateException("could not create an enrollment token", e);
    }
  }

  /** {@code agents} simulated agents on this controller with the harness's token, none flaky; stopped by close(). */
  FleetSimulator simulate(int agents, FaultSwitches faults) {
    AgentSettings base = AgentSettings.fromConfig(clientSystem.settings().config())
        .withController(controllerAddress())
        .withEnrollmentToken(enrollmentToken);
    FleetSimulator fleet = FleetSimulator.start(clientSystem,
        SimulatorSettings.fromConfig(clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
        agents, faults);
    simulators.add(fleet);
    return fleet;
  }

  /**
   * One more laptop, {@code deviceId}, owned by ada@example.com in the US, enrolling with the harness's
   * token and keeping its state in memory only; stopped by close().
   */
  io.fleetcontrol.agent.DeviceAgent startAgent(String deviceId) {
    AgentSettings settings = AgentSettings.fromConfig(clientSystem.settings().config())
        .withController(controllerAddress())
        .withEnrollmentToken(enrollmentToken)
        .withIdentity(new io.fleetcontrol.policy.DeviceIdentity(deviceId, "ada@example.com", "US", Map.of("team", "it"),
            "test", "America/New_York"));
    io.fleetcontrol.agent.DeviceAgent agent = io.fleetcontrol.agent.DeviceAgent.start(clientSystem, settings,
        agentClient, io.fleetcontrol.agent.telemetry.FixedTelemetry.unknown());
    agents.add(agent);
    return agent;
  }

  /**
   * Waits until every agent of {@code fleet} applied default v1 and the read side lists them all:
   * rollouts and fleet queries select from the read side, which trails the journal.
   */
  void awaitFleetReady(FleetSimulator fleet, int agents) {
    Eventually.within(java.time.Duration.ofMinutes(5), () -> org.junit.jupiter.api.Assertions.assertEquals(
        Map.of(1L, agents), fleet.appliedVersionCounts(), "every agent on default v1"));
    Eventually.within(java.time.Duration.ofMinutes(5), () -> org.junit.jupiter.api.Assertions.assertEquals(agents,
        admin.getFleetSummary().addHeader("authorization", "Bearer " + ADMIN_TOKEN)
            .invoke(GetFleetSummaryRequest.getDefaultInstance())
            .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).getTotal(),
        "devices in the read side"));
  }

  /** A new version of the default policy, made by the dev admin: the current one plus one more allowed site. */
  long newVersionOfDefault(String site) throws Exception {
    String bearer = "Bearer " + ADMIN_TOKEN;
    var current = admin.getPolicy().addHeader("authorization", bearer)
        .invoke(GetPolicyRequest.newBuilder().setName("default").build())
        .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).getPolicy();
    var next = current.toBuilder().addAllowlist(TargetRule.newBuilder().setSitePattern(site)).build();
    return admin.updatePolicy().addHeader("authorization", bearer)
        .invoke(UpdatePolicyRequest.newBuilder().setPolicy(next).build())
        .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).getPolicy().getVersion();
  }

  /** Asks GetRollout until the rollout has {@code status}; returns it as last read. */
  Rollout awaitRollout(String id, RolloutStatus status, java.time.Duration timeout) {
    Rollout[] last = new Rollout[1];
    Eventually.within(timeout, () -> {
      last[0] = admin.getRollout().addHeader("authorization", "Bearer " + ADMIN_TOKEN)
          .invoke(GetRolloutRequest.newBuilder().setRolloutId(id).build())
          .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).getRollout();
      org.junit.jupiter.api.Assertions.assertEquals(status, last[0].getStatus(), last[0].toString());
    });
    return last[0];
  }

  /** Where agents reach this harness's controller, over TLS with the test CA. */
  ControllerAddress controllerAddress() {
    return tls ? TestTls.controller(grpcPort) : new ControllerAddress("127.0.0.1", grpcPort, false);
  }

  private Config controllerConfig() {
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.parseMap(TestTls.controllerSettings()))
        .withFallback(ConfigFactory.parseMap(
            Map.of(
                "fleet.grpc.port", grpcPort,
                "pekko.remote.artery.canonical.port", freePort(),
                "pekko.management.http.port", managementPort,
                // Any free port: tests read it from dashboardAddress().
                "fleet.dashboard.port", 0,
                "datastax-java-driver.basic.contact-points", List.of(cassandra.contactPoint()),
                // Longer than the starter policy's 10 s heartbeat, so a live device never looks stale.
                "fleet.connection.stale-after", "25s",
                "fleet.connection.offline-after", "60s")))
        // The dev profile: its admin tokens and keys, dev mode on loopback; TLS on all the same.
        .withFallback(ConfigFactory.load("dev"));
  }

  /** Where the controller's dashboard listens (https, the test CA's certificate). */
  java.net.InetSocketAddress dashboardAddress() {
    return controller.dashboardAddress().orElseThrow(() -> new IllegalStateException("the dashboard is off"));
  }

  /** Stops the controller node the way SIGTERM would, and starts a fresh one on the same port. */
  void restartController() {
    controller.close();
    controller = FleetController.start(controllerConfig());
  }

  /** Restarts the controller with {@code more} settings on top of this harness's (a shorter idle-timeout, say). */
  void restartController(Map<String, Object> more) {
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    all.putAll(more);
    overrides = Map.copyOf(all);
    restartController();
  }

  /** The ids of the device entities running on the controller now (its shard region is the only one). */
  java.util.Set<String> runningDeviceEntities() {
    ActorSystem<Void> system = controllerSystem();
    org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState state =
        org.apache.pekko.actor.typed.javadsl.AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
                org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState>ask(
            org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(system).shardState(),
            replyTo -> new org.apache.pekko.cluster.sharding.typed.GetShardRegionState(
                io.fleetcontrol.device.DeviceEntity.ENTITY_KEY, replyTo),
            java.time.Duration.ofSeconds(10), system.scheduler())
        .toCompletableFuture().join();
    return state.getShards().stream().flatMap(shard -> shard.getEntityIds().stream())
        .collect(java.util.stream.Collectors.toSet());
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
    for (FleetSimulator fleet : simulators) {
      try {
        fleet.stop().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // The rest is closed all the same; the next test needs the ports and Cassandra's directory.
        System.err.println("simulated agents did not stop in 60 s: " + e);
      }
    }
    agents.forEach(io.fleetcontrol.agent.DeviceAgent::stop);
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
