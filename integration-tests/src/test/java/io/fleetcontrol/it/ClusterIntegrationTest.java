package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.Rollout;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Three controller nodes (separate JVMs) on the real Cassandra and 300 simulated agents that know
 * all three. One node is killed with SIGKILL while employees pause, approvers decide exemptions and
 * a rollout runs: every agent is back online (the target is 30 s, a benchmark figure; the test allows 60), every fact acknowledged before the kill
 * is still there, and the rollout finishes. Then another node is stopped with SIGTERM and its
 * agents move without anyone stepping in.
 *
 * <p>The floor under "online again" is the cluster's, not ours: the failure detector (~5 s), the
 * split-brain resolver's stable-after (7 s) and the removal margin (7 s) pass before the dead node's
 * devices can start elsewhere. The agents retry within that time, and the nodes announce their
 * open streams right after it (StreamsAfterNodeLoss). Alone: {@code mvn -B -o install -DskipTests;
 * cd integration-tests; mvn -B -o test -Dtest=ClusterIntegrationTest}.
 */
class ClusterIntegrationTest {

  private static final int AGENTS = 300;
  /** Devices the token race enrolls (the token's uses); they never connect. */
  private static final int RACED = 2;
  private static final String BEARER = "Bearer " + FleetHarness.ADMIN_TOKEN;

  /**
   * A token with two uses, three enrollments at once through the two live nodes: the token's one
   * entity counts, so exactly two get in, whichever node they came through.
   */
  private static void enrollmentsRacingOnTwoNodesSpendATokenExactly(ClusterHarness cluster, List<Integer> nodes)
      throws Exception {
    String token = FleetHarness.createEnrollmentToken(cluster.admin(nodes.get(0)), RACED);
    List<java.util.concurrent.CompletableFuture<io.grpc.Status.Code>> racing = new java.util.ArrayList<>();
    for (int n = 0; n < 3; n++) {
      var client = io.fleetcontrol.proto.v1.AgentServiceClient.create(
          TestTls.client(cluster.controllers().get(nodes.get(n % 2)).port(), cluster.clientSystem), cluster.clientSystem);
      var request = io.fleetcontrol.proto.v1.EnrollRequest.newBuilder()
          .setEnrollmentToken(token).setEnrollmentId(java.util.UUID.randomUUID().toString())
          .setDeviceId("race-" + n).setOwner("race@example.com").setJurisdiction("US").setTimeZone("UTC").build();
      racing.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> enrollAsAnAgentWould(client, request))
          .whenComplete((code, x) -> client.close()));
    }
    List<io.grpc.Status.Code> outcomes = racing.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join()).sorted().toList();
    assertEquals(List.of(io.grpc.Status.Code.OK, io.grpc.Status.Code.OK, io.grpc.Status.Code.PERMISSION_DENIED), outcomes,
        "two uses, three enrollments on two nodes");
  }

  /** The outcome, after trying again on UNAVAILABLE ("did not answer in time") with the same enrollment id. */
  private static io.grpc.Status.Code enrollAsAnAgentWould(io.fleetcontrol.proto.v1.AgentServiceClient client,
      io.fleetcontrol.proto.v1.EnrollRequest request) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      io.grpc.Status.Code code = client.enroll(request).toCompletableFuture()
          .handle((ok, failure) -> failure == null ? io.grpc.Status.Code.OK : io.grpc.Status.fromThrowable(failure).getCode())
          .join();
      if (code != io.grpc.Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
        return code;
      }
    }
  }

  @Test
  void aKilledNodeCostsSecondsNotData() throws Exception {
    try (ClusterHarness cluster = new ClusterHarness()) {
      cluster.startAll();

      for (int n = 0; n < ClusterHarness.NODES; n++) {
        int node = n;
        Eventually.within(Duration.ofSeconds(30), () -> await(cluster.admin(node).getFleetSummary()
            .addHeader("authorization", BEARER).invoke(GetFleetSummaryRequest.getDefaultInstance())));
      }
      AgentSettings base = AgentSettings.fromConfig(cluster.clientSystem.settings().config())
          .withControllers(cluster.controllers())
          .withEnrollmentToken(FleetHarness.createEnrollmentToken(cluster.admin(0), 100_000));
      FleetSimulator fleet = FleetSimulator.start(cluster.clientSystem,
          SimulatorSettings.fromConfig(cluster.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
          AGENTS);
      AdminServiceClient admin = cluster.admin(0);
      Eventually.within(Duration.ofMinutes(3), () ->
          assertEquals(Map.of(1L, AGENTS), fleet.appliedVersionCounts(), "every agent on default v1: "
              + fleet.agents().stream().filter(a -> a.appliedPolicyVersion() != 1)
                  .map(a -> a.deviceId() + " " + a.status() + " " + a.lastProblem()).toList()));
      Eventually.within(Duration.ofMinutes(2), () -> {
        var summary = await(admin.getFleetSummary().addHeader("authorization", BEARER)
            .invoke(GetFleetSummaryRequest.getDefaultInstance()));
        assertEquals(AGENTS, summary.getOnline(), () -> "online; " + notOnline(admin, fleet, summary));
      });

      List<DeviceAgent> agents = fleet.agents().stream()
          .filter(a -> a.settings().identity().jurisdiction().equals("US"))
          .sorted(java.util.Comparator.comparing(DeviceAgent::deviceId)).toList();

      // Exemption requests to decide while the node dies.
      for (DeviceAgent agent : agents.subList(200, 240)) {
        assertTrue(await(agent.requestExemption(ExemptionScope.NO_SCREENSHOTS, ExemptionReason.SENSITIVE_WORK,
            "quarter close")).accepted());
      }
      Eventually.within(Duration.ofSeconds(30), () -> assertEquals(40, await(admin.listExemptions()
          .addHeader("authorization", BEARER).invoke(ListExemptionsRequest.newBuilder()
              .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).setPageSize(1000).build()))
          .getExemptionsCount()));
      List<io.fleetcontrol.proto.v1.Exemption> requested = await(admin.listExemptions()
          .addHeader("authorization", BEARER).invoke(ListExemptionsRequest.newBuilder()
              .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).setPageSize(1000).build())).getExemptionsList();

      // A rollout of default v2 to everyone; the node dies in its middle.
      var current = await(admin.getPolicy().addHeader("authorization", BEARER)
          .invoke(GetPolicyRequest.newBuilder().setName("default").build())).getPolicy();
      long v2 = await(admin.updatePolicy().addHeader("authorization", BEARER)
          .invoke(UpdatePolicyRequest.newBuilder().setPolicy(current.toBuilder()
              .addAllowlist(TargetRule.newBuilder().setSitePattern("cluster.example.com"))).build()))
          .getPolicy().getVersion();
      String rolloutId = await(admin.startRollout().addHeader("authorization", BEARER)
          .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(v2)
              .setSelector(DeviceSelector.newBuilder().setAll(true)).addAllWavePercents(List.of(20.0, 60.0, 100.0))
              .setGates(RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(300)).build()))
          .getRollout().getRolloutId();
      Eventually.within(Duration.ofSeconds(90), () -> assertTrue(rollout(admin, rolloutId).getCurrentWave() >= 1,
          "the first wave passed"));

      // Employees pause and approvers decide, before and while the node dies; only what was
      // acknowledged counts.
      Set<String> pausesAcked = ConcurrentHashMap.newKeySet();
      Set<String> approvalsAcked = ConcurrentHashMap.newKeySet();
      AtomicBoolean busy = new AtomicBoolean(true);
      Thread employees = new Thread(() -> {
        for (DeviceAgent agent : agents.subList(0, 60)) {
          if (!busy.get()) {
            break;
          }
          try {
            RequestOutcome outcome = agent.requestPause(Duration.ofMinutes(25)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (outcome.accepted()) {
              pausesAcked.add(agent.deviceId());
            }
            Thread.sleep(100);
          } catch (Exception e) {
            // not acknowledged: nothing is promised for it
          }
        }
      });
      Thread approvers = new Thread(() -> {
        for (var e : requested) {
          if (!busy.get()) {
            break;
          }
          try {
            await(cluster.admin(2).approveExemption().addHeader("authorization", BEARER)
                .invoke(ApproveExemptionRequest.newBuilder().setDeviceId(e.getDeviceId())
                    .setExemptionId(e.getExemptionId())
                    .setExpireTime(Timestamp.newBuilder().setSeconds(Instant.now().plusSeconds(7200).getEpochSecond()))
                    .build()));
            approvalsAcked.add(e.getDeviceId() + "/" + e.getExemptionId());
            Thread.sleep(150);
          } catch (Exception failure) {
            System.out.println("approval not acknowledged: " + failure);
          }
        }
      });
      employees.start();
      approvers.start();
      Thread.sleep(2000);
      // Enough acknowledged before the kill for "nothing acknowledged was lost" to mean something,
      // however slow the machine: a fixed head start left as few as 4 on 2 busy cores.
      Eventually.within(Duration.ofSeconds(60), () -> assertTrue(pausesAcked.size() >= 10,
          "pauses acknowledged before the kill: " + pausesAcked.size()));
      Map<String, Long> appliedBeforeKill = new java.util.HashMap<>();
      fleet.agents().forEach(a -> appliedBeforeKill.put(a.deviceId(), a.appliedPolicyVersion()));

      for (int n = 0; n < ClusterHarness.NODES; n++) {
        assertTrue(cluster.isAlive(n), "node " + (n + 1) + " is still up before the kill");
      }
      assertEquals(3, cluster.upMembers(0), cluster.members(0));
      Instant killed = Instant.now();
      cluster.kill(1);
      System.out.printf("node 2 killed (SIGKILL) at %s%n", killed);

      // Online again: every device heard from after the kill, as the read side on a live node says.
      Timestamp afterKill = Timestamp.newBuilder().setSeconds(killed.getEpochSecond() + 1).build();
      Thread diagnostics = new Thread(() -> {
        for (int second = 15; second <= 60; second += 15) {
          try {
            Thread.sleep(Math.max(0, killed.plusSeconds(second).toEpochMilli() - System.currentTimeMillis()));
            var quiet = await(admin.listDevices().addHeader("authorization", BEARER).invoke(
                io.fleetcontrol.proto.v1.ListDevicesRequest.newBuilder().setLastSeenBefore(afterKill)
                    .setPageSize(5).build()));
            System.out.printf("+%d s: %d devices not heard from since the kill, e.g. %s%n", second,
                quiet.getTotalSize(), quiet.getDevicesList().stream().map(d -> d.getDeviceId() + " "
                    + fleet.agent(d.getDeviceId()).map(a -> a.status() + " " + a.lastProblem()
                        + " connects " + a.recentConnects() + " attempts " + a.recentAttempts()).orElse("?")).toList());
          } catch (Exception e) {
            System.out.println("diagnostics: " + e);
          }
        }
      });
      diagnostics.setDaemon(true);
      diagnostics.start();
      FleetRecovery recovery = FleetRecovery.measure(cluster, admin, BEARER, killed, AGENTS, List.of(0, 2),
          Duration.ofSeconds(90));
      System.out.printf("%d agents: %s%n", AGENTS, recovery);
      busy.set(false);
      employees.join(120_000);
      approvers.join(120_000);
      assertTrue(recovery.heard() != null && recovery.entities() != null, recovery.toString());

      // Nothing acknowledged was lost.
      assertTrue(pausesAcked.size() >= 10, "pauses acknowledged: " + pausesAcked.size());
      for (String id : pausesAcked) {
        Device device = getDevice(admin, id);
        assertTrue(device.hasActivePause(), id + " lost its pause");
      }
      assertTrue(approvalsAcked.size() >= 10, "approvals acknowledged: " + approvalsAcked.size());
      for (String key : approvalsAcked) {
        String[] parts = key.split("/");
        Device device = getDevice(admin, parts[0]);
        assertTrue(device.getExemptionsList().stream().anyMatch(x -> x.getExemptionId().equals(parts[1])
            && x.getStatus() == ExemptionStatus.EXEMPTION_STATUS_APPROVED), key + " lost its approval");
      }
      for (var before : appliedBeforeKill.entrySet()) {
        if (before.getValue() == v2) {
          assertEquals(v2, getDevice(admin, before.getKey()).getAppliedPolicy().getVersion(),
              before.getKey() + " had acked v" + v2 + " before the kill");
        }
      }

      // The rollout finishes on the surviving nodes.
      Eventually.within(Duration.ofMinutes(4), () -> assertEquals(RolloutStatus.ROLLOUT_STATUS_SUCCEEDED,
          rollout(admin, rolloutId).getStatus(), rollout(admin, rolloutId).toString()));
      Eventually.within(Duration.ofSeconds(60), () ->
          assertEquals(Map.of(v2, AGENTS), fleet.appliedVersionCounts(), "every agent on v" + v2));
      System.out.printf("rollout %s succeeded %.1f s after the kill%n", rolloutId,
          Duration.between(killed, Instant.now()).toMillis() / 1000.0);
      enrollmentsRacingOnTwoNodesSpendATokenExactly(cluster, List.of(0, 2));

      // A graceful stop: SIGTERM hands node 3's shards off; its agents reconnect by themselves, and
      // employees pausing while it stops get their pauses: what the agents send in the hand-off
      // they send again until it is answered.
      List<CompletionStage<RequestOutcome>> pausesInHandOff = new ArrayList<>();
      List<DeviceAgent> pausingInHandOff = agents.subList(60, 80);
      Thread pausing = new Thread(() -> {
        for (DeviceAgent agent : pausingInHandOff) {
          synchronized (pausesInHandOff) {
            pausesInHandOff.add(agent.requestPause(Duration.ofMinutes(20)));
          }
          try {
            Thread.sleep(300);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      Instant terminated = Instant.now();
      pausing.start();
      cluster.terminate(2, Duration.ofSeconds(60));
      Duration movedBack = until(Duration.ofSeconds(60), () -> fleet.connectedCount() == AGENTS);
      System.out.printf("SIGTERM: node 3 stopped in %.1f s; all agents had a stream again %.1f s after it stopped%n",
          Duration.between(terminated, Instant.now()).minus(movedBack).toMillis() / 1000.0,
          movedBack.toMillis() / 1000.0);
      Eventually.within(Duration.ofSeconds(60), () -> assertEquals(AGENTS + RACED, await(admin.getFleetSummary()
          .addHeader("authorization", BEARER).invoke(GetFleetSummaryRequest.getDefaultInstance())).getTotal()));
      for (String id : pausesAcked) {
        assertTrue(getDevice(admin, id).hasActivePause(), id + " lost its pause in the hand-off");
      }
      pausing.join(30_000);
      for (int i = 0; i < pausingInHandOff.size(); i++) {
        DeviceAgent agent = pausingInHandOff.get(i);
        RequestOutcome outcome = pausesInHandOff.get(i).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertTrue(outcome.accepted(), agent.deviceId() + " paused during the hand-off: " + outcome);
        assertTrue(getDevice(admin, agent.deviceId()).hasActivePause(), agent.deviceId() + " has its pause");
      }
      assertTrue(fleet.agents().stream().noneMatch(a -> a.status() == LinkStatus.REJECTED),
          "no agent gave up");
      fleet.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      // A guard against minutes, not the 30 s target: that is a benchmark's figure (ClusterKillBenchmark,
      // BENCHMARKS.md). On the 2-core box it sits at 27-41 s, set by downing (failure detector and
      // SBR's stable-after, ~12 s), the removal margin (7 s) and the entities' recovery after it.
      assertTrue(recovery.heard().compareTo(Duration.ofSeconds(60)) <= 0, "agents back after the kill: " + recovery);
    }
  }

  /** What the read side says of the devices it does not count online, for a failure's message. */
  private static String notOnline(AdminServiceClient admin, FleetSimulator fleet,
      io.fleetcontrol.proto.v1.GetFleetSummaryResponse summary) {
    String counts = "total " + summary.getTotal() + ", stale " + summary.getStale() + ", offline "
        + summary.getOffline() + " at " + Instant.now();
    try {
      var quiet = new ArrayList<String>();
      for (var state : List.of(io.fleetcontrol.proto.v1.ConnectionState.CONNECTION_STATE_STALE,
          io.fleetcontrol.proto.v1.ConnectionState.CONNECTION_STATE_OFFLINE)) {
        await(admin.listDevices().addHeader("authorization", BEARER).invoke(
            io.fleetcontrol.proto.v1.ListDevicesRequest.newBuilder().setConnectionState(state).setPageSize(20).build()))
            .getDevicesList().forEach(d -> quiet.add(d.getDeviceId() + " " + state + " last seen "
                + Instant.ofEpochSecond(d.getLastSeenTime().getSeconds()) + " agent "
                + fleet.agent(d.getDeviceId()).map(a -> a.status() + " " + a.lastProblem()).orElse("?")));
      }
      return counts + ": " + quiet;
    } catch (RuntimeException e) {
      return counts + " (the devices could not be listed: " + e + ")";
    }
  }

  private static Rollout rollout(AdminServiceClient admin, String id) {
    return await(admin.getRollout().addHeader("authorization", BEARER)
        .invoke(GetRolloutRequest.newBuilder().setRolloutId(id).build())).getRollout();
  }

  private static Device getDevice(AdminServiceClient admin, String id) {
    return await(admin.getDevice().addHeader("authorization", BEARER)
        .invoke(GetDeviceRequest.newBuilder().setDeviceId(id).build())).getDevice();
  }

  private static Duration until(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
    Instant start = Instant.now();
    while (!condition.getAsBoolean()) {
      if (Duration.between(start, Instant.now()).compareTo(limit) > 0) {
        return limit.plusSeconds(1);
      }
      Thread.sleep(200);
    }
    return Duration.between(start, Instant.now());
  }


  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
