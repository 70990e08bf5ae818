package io.fleetcontrol.agent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.Eventually;
import io.fleetcontrol.agent.FakeAgentService;
import io.fleetcontrol.agent.FakeController;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LogCapturingExtension.class)
class FleetSimulatorTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final int FLEET = 50;
  private static final int SMALL_FLEET = 5;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void bringsTheWholeFleetToConnectedAndAcking() throws Exception {
    FakeAgentService fake = new FakeAgentService(testKit.system(), "fleet-token", seen -> {});
    fake.assignPolicy(Policy.newBuilder().setName("default").setVersion(5).build());
    try (FakeController controller = FakeController.start(testKit.system(), fake)) {
      SimulatorSettings settings =
          SimulatorSettings.fromConfig(testKit.system().settings().config())
              .withBase(
                  AgentSettings.fromConfig(testKit.system().settings().config())
                      .withController(controller.address())
                      .withEnrollmentToken("fleet-token"))
              .withStartRate(500)
              .withAgentsPerClient(20)
              .withFlakyFraction(0);
      FleetSimulator fleet = FleetSimulator.start(testKit.system(), settings, FLEET);

      Eventually.await(
          Duration.ofSeconds(20),
          () -> "all connected on v5, have " + fleet.connectedCount() + " " + fleet.appliedVersionCounts(),
          () -> fleet.connectedCount() == FLEET && fleet.appliedVersionCounts().equals(Map.of(5L, FLEET)));
      // An agent counts v5 as applied just before its ack reaches the controller.
      Eventually.await(
          Duration.ofSeconds(10),
          () -> "acks from all, have " + fake.ackedVersions().size(),
          () -> fake.ackedVersions().size() == FLEET);

      assertEquals(3, fleet.clientCount(), "50 agents share 3 connections of up to 20 streams");
      Map<String, Long> acked = fake.ackedVersions();
      assertEquals(expectedDeviceIds(), acked.keySet());
      assertEquals(Set.of(5L), Set.copyOf(acked.values()));

      Map<String, EnrollRequest> enrolled = fake.enrollments();
      Map<String, Long> perJurisdiction =
          enrolled.values().stream()
              .collect(Collectors.groupingBy(EnrollRequest::getJurisdiction, TreeMap::new, Collectors.counting()));
      assertEquals(Map.of("US", 49L, "DE", 1L), perJurisdiction, "2 % of 50 devices abroad");
      assertEquals("user00007@example.com", enrolled.get("sim-00007").getOwner());

      fleet.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Eventually.await(
          Duration.ofSeconds(10),
          () -> "all stopped: " + fleet.agents(),
          () -> fleet.agents().stream().allMatch(a -> a.status() == LinkStatus.STOPPED));
      assertEquals(0, fleet.connectedCount());
    }
  }

  @Test
  void flakyAgentsDropAndComeBackAndTheHistogramCountsTheirConnects() throws Exception {
    List<Telemetry> heartbeats = new CopyOnWriteArrayList<>();
    FakeAgentService fake = new FakeAgentService(testKit.system(), "fleet-token", heartbeatsInto(heartbeats));
    fake.assignPolicy(fastHeartbeats(5));
    try (FakeController controller = FakeController.start(testKit.system(), fake)) {
      Instant started = Instant.now();
      SimulatorSettings settings = smallFleet(controller)
          .withMeteredFraction(1)
          .withFlaky(new FlakyNetwork(1, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(500)));
      FleetSimulator fleet = FleetSimulator.start(testKit.system(), settings, SMALL_FLEET);

      Eventually.await(
          Duration.ofSeconds(30),
          () -> "every agent reconnected after an outage: " + connectCounts(fleet),
          () -> fleet.agents().size() == SMALL_FLEET
              && fleet.agents().stream().allMatch(a -> a.recentConnects().size() >= 2));
      // Stopped before counting: a flaky agent may connect again between two reads otherwise.
      fleet.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
      int connects = fleet.agents().stream().mapToInt(a -> a.recentConnects().size()).sum();
      SortedMap<Long, Integer> perSecond = fleet.connectsPerSecondSince(started);
      assertEquals(connects, perSecond.values().stream().mapToInt(Integer::intValue).sum(), perSecond.toString());
      assertTrue(perSecond.lastKey() < 30, perSecond.toString());
      assertEquals(perSecond.size(), ReconnectHistogram.format(perSecond).lines().count());

      assertTrue(heartbeats.size() > 0);
      assertTrue(heartbeats.stream().allMatch(t -> t.getMeteredNetwork() && t.getBatteryKnown()
          && t.getAgentCpuPercent() > 0 && t.getAgentRssBytes() > 0), "every device metered at fraction 1");
    }
  }

  @Test
  void agentsOnACrashingVersionRestartAndSettleOnceTheFaultIsOff() throws Exception {
    FakeAgentService fake = new FakeAgentService(testKit.system(), "fleet-token", seen -> {});
    fake.assignPolicy(fastHeartbeats(5));
    try (FakeController controller = FakeController.start(testKit.system(), fake)) {
      FaultSwitches faults = new FaultSwitches();
      faults.crashOn(5, Duration.ofMillis(300));
      FleetSimulator fleet = FleetSimulator.start(testKit.system(), smallFleet(controller), SMALL_FLEET, faults);
      assertSame(faults, fleet.faults());

      Eventually.await(
          Duration.ofSeconds(30),
          () -> "every agent crashed and reconnected: " + connectCounts(fleet),
          () -> fleet.agents().size() == SMALL_FLEET
              && fleet.agents().stream().allMatch(a -> a.recentConnects().size() >= 2));
      fleet.faults().clear();
      Eventually.await(
          Duration.ofSeconds(45),
          () -> "all connected on v5 again: " + fleet.agents(),
          () -> fleet.connectedCount() == SMALL_FLEET && fleet.appliedVersionCounts().equals(Map.of(5L, SMALL_FLEET)));
      fleet.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void employeesOnAVersionWithAPauseHabitAskForPauses() throws Exception {
    Set<String> pausing = ConcurrentHashMap.newKeySet();
    FakeAgentService fake = new FakeAgentService(testKit.system(), "fleet-token", seen -> {
      if (seen instanceof FakeAgentService.RequestSeen r && r.request().hasPauseRequest()) {
        pausing.add(r.deviceId());
      }
    });
    fake.assignPolicy(fastHeartbeats(5));
    try (FakeController controller = FakeController.start(testKit.system(), fake)) {
      FleetSimulator fleet = FleetSimulator.start(testKit.system(), smallFleet(controller), SMALL_FLEET);
      fleet.faults().pauseOften(4, 1, Duration.ofMillis(100));
      Eventually.await(
          Duration.ofSeconds(20),
          () -> "all on v5: " + fleet.appliedVersionCounts(),
          () -> fleet.appliedVersionCounts().equals(Map.of(5L, SMALL_FLEET)));
      Thread.sleep(1500);
      assertEquals(Set.of(), pausing, "a habit of v4 leaves agents on v5 alone");

      fleet.faults().pauseOften(5, 1, Duration.ofMillis(500));

      Eventually.await(
          Duration.ofSeconds(20),
          () -> "a pause request from every agent, have " + pausing,
          () -> pausing.size() == SMALL_FLEET);
      fleet.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static SimulatorSettings smallFleet(FakeController controller) {
    Config config = testKit.system().settings().config();
    return SimulatorSettings.fromConfig(config)
        .withBase(AgentSettings.fromConfig(config)
            .withController(controller.address())
            .withEnrollmentToken("fleet-token"))
        .withStartRate(500)
        .withFlakyFraction(0);
  }

  private static Policy fastHeartbeats(long version) {
    return Policy.newBuilder()
        .setName("default")
        .setVersion(version)
        .setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000))
        .build();
  }

  private static Consumer<FakeAgentService.Seen> heartbeatsInto(List<Telemetry> heartbeats) {
    return seen -> {
      if (seen instanceof FakeAgentService.RequestSeen r && r.request().hasHeartbeat()) {
        heartbeats.add(r.request().getHeartbeat().getTelemetry());
      }
    };
  }

  private static List<Integer> connectCounts(FleetSimulator fleet) {
    return fleet.agents().stream().map(a -> a.recentConnects().size()).toList();
  }

  private static Set<String> expectedDeviceIds() {
    return IntStream.rangeClosed(1, FLEET).mapToObj(n -> String.format("sim-%05d", n)).collect(Collectors.toSet());
  }
}
