package io.fleetcontrol.it;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Fleet query latency and read-side lag with N simulated agents heartbeating every 10 s (10,000
 * agents = 1,000 heartbeats/s). Not a test: run it by hand, see README. Usage: QueryBenchmark N [CALLS]
 */
public final class QueryBenchmark {

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    String bearer = "Bearer " + FleetHarness.ADMIN_TOKEN;
    try (FleetHarness harness = new FleetHarness()) {
      AgentSettings base = AgentSettings.fromConfig(harness.clientSystem.settings().config())
          .withController(harness.controllerAddress())
          .withEnrollmentToken(harness.enrollmentToken);
      FleetSimulator fleet = FleetSimulator.start(harness.clientSystem,
          SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
          count);
      while (harness.admin.getFleetSummary().addHeader("authorization", bearer)
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .getOnline() < count) {
        Thread.sleep(1000);
      }
      System.out.printf("%d agents online in the read side; heartbeats every 10 s = %d/s%n", count, count / 10);
      Thread.sleep(20_000); // past the enrollment storm: steady heartbeats only

      runQueries(harness, bearer, calls);

      // Lag: an employee pauses; how long until ListDevices(capture_state=PAUSED) shows it.
      lag(harness, bearer, fleet, count);

      fleet.stop().toCompletableFuture().get(120, TimeUnit.SECONDS);
      Thread.sleep(10_000);
      System.out.printf("the same queries with the %d agents stopped (rows stay, no heartbeat load):%n", count);
      runQueries(harness, bearer, calls);
    }
    System.exit(0);
  }

  private static void runQueries(FleetHarness harness, String bearer, int calls) throws Exception {
    report("GetFleetSummary", calls, () -> harness.admin.getFleetSummary().addHeader("authorization", bearer)
        .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(30, TimeUnit.SECONDS));
    report("ListDevices jurisdiction=US team=eng, page of 100", calls, () -> harness.admin.listDevices()
        .addHeader("authorization", bearer)
        .invoke(ListDevicesRequest.newBuilder().setJurisdiction("US").addLabels("team=eng").setPageSize(100).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS));
    report("ListDevices capture_state=PAUSED (few matches, whole scan)", calls, () -> harness.admin.listDevices()
        .addHeader("authorization", bearer)
        .invoke(ListDevicesRequest.newBuilder().setCaptureState(CaptureState.CAPTURE_STATE_PAUSED).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  private static void lag(FleetHarness harness, String bearer, FleetSimulator fleet, int count) throws Exception {
    List<DeviceAgent> agents = new ArrayList<>(fleet.agents());
    Collections.shuffle(agents, new java.util.Random(7));
    List<Long> lags = new ArrayList<>();
    for (DeviceAgent agent : agents.subList(0, 40)) {
      Instant asked = Instant.now();
      if (!agent.requestPause(Duration.ofMinutes(10)).toCompletableFuture().get(30, TimeUnit.SECONDS).accepted()) {
        continue; // a German device, say: region-blocked devices cannot pause what does not run
      }
      while (true) {
        ListDevicesResponse paused = harness.admin.listDevices().addHeader("authorization", bearer)
            .invoke(ListDevicesRequest.newBuilder().setCaptureState(CaptureState.CAPTURE_STATE_PAUSED)
                .setPageSize(1000).build())
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (paused.getDevicesList().stream().anyMatch(d -> d.getDeviceId().equals(agent.deviceId()))) {
          lags.add(Duration.between(asked, Instant.now()).toMillis());
          break;
        }
        Thread.sleep(50);
      }
    }
    Collections.sort(lags);
    System.out.printf("pause to visible in ListDevices, %d pauses under %d heartbeats/s: p50 %d ms, p99 %d ms, max %d ms%n",
        lags.size(), count / 10, lags.get(lags.size() / 2), lags.get((int) Math.ceil(lags.size() * 0.99) - 1),
        lags.get(lags.size() - 1));
  }

  private static void report(String what, int calls, Callable<?> call) throws Exception {
    for (int i = 0; i < Math.max(20, calls / 10); i++) {
      call.call(); // warm-up
    }
    long[] micros = new long[calls];
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      call.call();
      micros[i] = (System.nanoTime() - start) / 1000;
    }
    java.util.Arrays.sort(micros);
    System.out.printf("%s: %d calls, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", what, calls,
        micros[calls / 2] / 1000.0, micros[(int) Math.ceil(calls * 0.99) - 1] / 1000.0, micros[calls - 1] / 1000.0);
  }

  private QueryBenchmark() {}
}
