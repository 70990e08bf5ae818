package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.proto.v1.*;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Rollouts on the real Cassandra with 1,000 simulated agents: bad rollouts start nothing; a good
 * version reaches every agent through the waves; a version that drains batteries three times faster
 * stops at its first wave and is rolled back; a controller restart mid-wave loses nothing and
 * assigns nothing twice. Every rollout here updates the "default" policy all agents are on.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIntegrationTest {

  private static final int AGENTS = Integer.getInteger("rollout.it.agents", 1000);
  private static FleetHarness harness;
  private static FleetSimulator fleet;
  private static final FaultSwitches faults = new FaultSwitches();

  @BeforeAll
  static void start() {
    harness = new FleetHarness();
    fleet = harness.simulate(AGENTS, faults);
    harness.awaitFleetReady(fleet, AGENTS);
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Order(1)
  void malformedRolloutsAreRefusedAndStartNothing() throws Exception {
    var all = DeviceSelector.newBuilder().setAll(true).build();
    assertInvalid(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(99).setSelector(all),
        "version 99 is unknown");
    assertInvalid(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(1),
        "selector must name exactly one");
    assertInvalid(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(1).setSelector(all)
        .addAllWavePercents(List.of(10.0, 5.0, 100.0)), "wave_percents[1]");
    assertInvalid(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(1).setSelector(all)
        .addAllWavePercents(List.of(50.0, 120.0)), "wave_percents[1]: 120.0 is not within");
    assertInvalid(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(1).setSelector(all)
        .setGates(RolloutGates.newBuilder().setMinAckFraction(2)), "gates.min_ack_fraction");
    assertEquals(0, list().getRolloutsCount(), "nothing started");
  }

  @Test
  @Order(2)
  void aGoodVersionReachesEveryAgentThroughAllWaves() throws Exception {
    long version = harness.newVersionOfDefault("good.example.com");
    Instant started = Instant.now();
    Rollout rollout = start(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
        .setSelector(DeviceSelector.newBuilder().setAll(true))
        .setGates(ackOnly(120)));
    assertEquals(List.of(1.0, 10.0, 50.0, 100.0),
        rollout.getWavesList().stream().map(RolloutWave::getPercent).toList(), "the default waves");

    StatusRuntimeException second = failure(harness.admin.startRollout().addHeader("authorization", bearer())
        .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
            .setSelector(DeviceSelector.newBuilder().setAll(true)).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, second.getStatus().getCode(), second.getMessage());

    Rollout done = harness.awaitRollout(rollout.getRolloutId(), RolloutStatus.ROLLOUT_STATUS_SUCCEEDED, Duration.ofMinutes(4));
    System.out.printf("rollout to %d agents, gates off: %.1f s to SUCCEEDED%n", AGENTS,
        Duration.between(started, Instant.now()).toMillis() / 1000.0);
    assertEquals(4, done.getWavesList().stream().filter(w -> w.getState().equals("passed")).count(), done.toString());
    Eventually.within(Duration.ofSeconds(30), () ->
        assertEquals(Map.of(version, AGENTS), fleet.appliedVersionCounts()));
  }

  @Test
  @Order(3)
  void aVersionThatDrainsBatteriesThreeTimesFasterStopsAtTheFirstWaveAndIsRolledBack() throws Exception {
    long previous = version("default");
    long drainer = harness.newVersionOfDefault("drainer.example.com");
    faults.drainFaster(drainer, 3.0);
    Rollout rollout = start(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(drainer)
        .setSelector(DeviceSelector.newBuilder().setAll(true))
        .setGates(RolloutGates.newBuilder().setMinAckFraction(0.9).setAckDeadlineSeconds(120).setSoakSeconds(90)
            .setMaxBatteryDrainRatio(1.5).setAutoRollback(true)));

    Rollout stopped = harness.awaitRollout(rollout.getRolloutId(), RolloutStatus.ROLLOUT_STATUS_ROLLED_BACK, Duration.ofMinutes(5));
    assertEquals(0, stopped.getCurrentWave(), "stopped at the first wave: " + stopped);
    assertTrue(stopped.getStatusMessage().contains("battery drain"), stopped.getStatusMessage());
    Eventually.within(Duration.ofSeconds(60), () ->
        assertEquals(Map.of(previous, AGENTS), fleet.appliedVersionCounts(), "the wave is back on the version before"));
    faults.clear();
  }

  @Test
  @Order(4)
  void aControllerRestartInTheMiddleOfAWaveLosesNothingAndAssignsNothingTwice() throws Exception {
    long version = harness.newVersionOfDefault("restart.example.com");
    Rollout rollout = start(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
        .setSelector(DeviceSelector.newBuilder().setAll(true))
        .addAllWavePercents(List.of(30.0, 100.0))
        .setGates(ackOnly(180).toBuilder().setSoakSeconds(20)));
    Eventually.within(Duration.ofSeconds(120), () -> assertTrue(
        fleet.appliedVersionCounts().getOrDefault(version, 0) > AGENTS / 5, fleet.appliedVersionCounts().toString()));

    harness.restartController();

    harness.awaitRollout(rollout.getRolloutId(), RolloutStatus.ROLLOUT_STATUS_SUCCEEDED, Duration.ofMinutes(5));
    Eventually.within(Duration.ofSeconds(60), () -> assertEquals(Map.of(version, AGENTS), fleet.appliedVersionCounts()));
    for (int n = 1; n <= AGENTS; n += AGENTS / 50) {
      String device = String.format("sim-%05d", n);
      assertEquals(1, assignmentsOf(device, version), device + " was assigned v" + version + " exactly once");
    }
  }

  // --- helpers ---

  private static RolloutGates ackOnly(long deadlineSeconds) {
    return RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(deadlineSeconds).build();
  }

  private static long version(String policy) throws Exception {
    return fleet.appliedVersionCounts().lastKey();
  }

  private static Rollout start(StartRolloutRequest.Builder request) throws Exception {
    return await(harness.admin.startRollout().addHeader("authorization", bearer()).invoke(request.build())).getRollout();
  }

  private static ListRolloutsResponse list() throws Exception {
    return await(harness.admin.listRollouts().addHeader("authorization", bearer())
        .invoke(ListRolloutsRequest.newBuilder().setPolicyName("default").build()));
  }

  private static void assertInvalid(StartRolloutRequest.Builder request, String naming) {
    StatusRuntimeException refused =
        failure(harness.admin.startRollout().addHeader("authorization", bearer()).invoke(request.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getMessage());
    assertTrue(refused.getStatus().getDescription().contains(naming), refused.getStatus().getDescription());
  }

  private static long assignmentsOf(String deviceId, long version) throws Exception {
    CassandraReadJournal journal = PersistenceQuery.get(harness.controllerSystem())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    return journal.currentEventsByPersistenceId("Device|" + deviceId, 0, Long.MAX_VALUE)
        .filter(e -> e.event() instanceof DeviceEvent.PolicyAssigned a
            && a.policy().name().equals("default") && a.policy().version() == version)
        .runWith(Sink.fold(0L, (count, e) -> count + 1), harness.controllerSystem())
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
  }

  private static String bearer() {
    return "Bearer " + FleetHarness.ADMIN_TOKEN;
  }

  private static <T> T await(CompletionStage<T> call) throws Exception {
    return call.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static StatusRuntimeException failure(CompletionStage<?> call) {
    try {
      call.toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a refusal");
    } catch (ExecutionException e) {
      return (StatusRuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
