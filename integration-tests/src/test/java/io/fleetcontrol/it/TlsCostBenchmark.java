package io.fleetcontrol.it;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What TLS and the new enrollment cost: the controller's CPU per heartbeat with N agents heartbeating
 * every 10 s, plaintext and then TLS, and the enrollment rate (token spend, MAC, device entity) in
 * each. The controller runs in this JVM beside the simulated agents; its CPU is the CPU time of its
 * own threads (its actor system "fleet" and the Cassandra driver's "s0-" threads), so the agents'
 * work is not counted. Not a test: run it by hand (README). Usage: TlsCostBenchmark N [ENROLLMENTS]
 */
public final class TlsCostBenchmark {

  private static final int SAMPLE_SECONDS = 60;

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int enrollments = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
    List<String> lines = new ArrayList<>();
    for (boolean tls : List.of(false, true)) {
      lines.add(run(count, enrollments, tls));
    }
    lines.forEach(System.out::println);
    System.exit(0);
  }

  private static String run(int count, int enrollments, boolean tls) throws Exception {
    try (FleetHarness harness = new FleetHarness(Map.of(), tls)) {
      String bearer = "Bearer " + FleetHarness.ADMIN_TOKEN;
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
      Thread.sleep(20_000); // past the enrollment storm: steady heartbeats only
      long cpuBefore = controllerCpuNanos();
      long wallBefore = System.nanoTime();
      Thread.sleep(SAMPLE_SECONDS * 1000L);
      double cpuSeconds = (controllerCpuNanos() - cpuBefore) / 1e9;
      double wallSeconds = (System.nanoTime() - wallBefore) / 1e9;
      double heartbeats = count / 10.0 * wallSeconds;
      String steady = String.format("%s: %d agents, %.0f heartbeats/s: controller %.2f cores, %.0f µs of CPU per heartbeat",
          tls ? "TLS      " : "plaintext", count, heartbeats / wallSeconds, cpuSeconds / wallSeconds,
          cpuSeconds * 1e6 / heartbeats);

      // Enrollments as fast as the controller takes them, 64 in flight, each a new device.
      Semaphore inFlight = new Semaphore(64);
      List<CompletableFuture<?>> calls = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < enrollments; i++) {
        inFlight.acquire();
        String id = (tls ? "tls-" : "plain-") + i;
        calls.add(harness.agentClient.enroll(EnrollRequest.newBuilder()
                .setEnrollmentToken(harness.enrollmentToken).setEnrollmentId(UUID.randomUUID().toString())
                .setDeviceId(id).setOwner(id + "@example.com").setJurisdiction("US").setTimeZone("UTC").build())
            .toCompletableFuture().whenComplete((ok, failure) -> inFlight.release()));
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
      double enrollSeconds = (System.nanoTime() - start) / 1e9;
      fleet.stop().toCompletableFuture().get(120, TimeUnit.SECONDS);
      return steady + String.format("; %d enrollments in %.1f s = %.0f/s (heartbeats still running)",
          enrollments, enrollSeconds, enrollments / enrollSeconds);
    }
  }

  /** CPU time of the controller's threads in this JVM. */
  private static long controllerCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && (info.getThreadName().startsWith("fleet-") || info.getThreadName().startsWith("s0-"))) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }
}
