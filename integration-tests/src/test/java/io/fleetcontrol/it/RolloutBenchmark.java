package io.fleetcontrol.it;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.RolloutGates;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long a rollout takes to reach and be acked by N simulated agents with the gates off (acks
 * only, no soak), waves as given (default 1,10,50,100). Not a test: run it by hand, see README.
 * Usage: RolloutBenchmark N [P1,P2,...]
 */
public final class RolloutBenchmark {

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    List<Double> waves = args.length > 1
        ? java.util.Arrays.stream(args[1].split(",")).map(Double::valueOf).toList()
        : List.of(1.0, 10.0, 50.0, 100.0);
    String bearer = "Bearer " + FleetHarness.ADMIN_TOKEN;
    try (FleetHarness harness = new FleetHarness()) {
      AgentSettings base = AgentSettings.fromConfig(harness.clientSystem.settings().config())
          .withController(harness.controllerAddress())
          .withEnrollmentToken(harness.enrollmentToken);
      FleetSimulator fleet = FleetSimulator.start(harness.clientSystem,
          SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
          count);
      while (fleet.appliedVersionCounts().getOrDefault(1L, 0) < count) {
        Thread.sleep(500);
      }
      System.out.printf("%d agents on default v1%n", count);
      var current = harness.admin.getPolicy().addHeader("authorization", bearer)
          .invoke(GetPolicyRequest.newBuilder().setName("default").build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .getPolicy();
      long version = harness.admin.updatePolicy().addHeader("authorization", bearer)
          .invoke(UpdatePolicyRequest.newBuilder().setPolicy(current.toBuilder()
              .addAllowlist(TargetRule.newBuilder().setSitePattern("bench.example.com"))).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS).getPolicy().getVersion();

      Instant started = Instant.now();
      String id = harness.admin.startRollout().addHeader("authorization", bearer)
          .invoke(StartRolloutRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
              .setSelector(DeviceSelector.newBuilder().setAll(true)).addAllWavePercents(waves)
              .setGates(RolloutGates.newBuilder().setMinAckFraction(1.0).setAckDeadlineSeconds(600)).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS).getRollout().getRolloutId();
      Instant allApplied = null;
      while (true) {
        var rollout = harness.admin.getRollout().addHeader("authorization", bearer)
            .invoke(GetRolloutRequest.newBuilder().setRolloutId(id).build()).toCompletableFuture().get(30, TimeUnit.SECONDS)
            .getRollout();
        if (allApplied == null && fleet.appliedVersionCounts().getOrDefault(version, 0) == count) {
          allApplied = Instant.now();
        }
        if (rollout.getStatus() != RolloutStatus.ROLLOUT_STATUS_RUNNING) {
          System.out.printf("rollout %s %s after %.1f s; every agent had applied it after %.1f s (%.0f agents/s)%n",
              id, rollout.getStatus(), seconds(started, Instant.now()), seconds(started, allApplied),
              count / seconds(started, allApplied));
          break;
        }
        Thread.sleep(200);
      }
      fleet.stop().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static double seconds(Instant from, Instant to) {
    return to == null ? Double.NaN : Duration.between(from, to).toMillis() / 1000.0;
  }

  private RolloutBenchmark() {}
}
