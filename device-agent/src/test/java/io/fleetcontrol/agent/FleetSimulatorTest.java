package io.fleetcontrol.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Policy;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
              .withAgentsPerClient(20);
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
          () -> fleet.agents().stream().allMatch(a -> a.status() == ConnectionStatus.STOPPED));
      assertEquals(0, fleet.connectedCount());
    }
  }

  private static Set<String> expectedDeviceIds() {
    return IntStream.rangeClosed(1, FLEET).mapToObj(n -> String.format("sim-%05d", n)).collect(Collectors.toSet());
  }
}
