package io.fleetcontrol.it;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three controller nodes on the real Cassandra, N simulated agents that know all three; node 2 is
 * killed with SIGKILL in steady state. Prints how long until every device was heard from again and
 * every device entity ran again on the two live nodes. Not a test (minutes at 10,000): run by hand,
 * see README "Several nodes".
 */
public final class ClusterKillBenchmark {

  private static final String BEARER = "Bearer " + FleetHarness.ADMIN_TOKEN;

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    try (ClusterHarness cluster = new ClusterHarness()) {
      cluster.startAll();
      AdminServiceClient admin = cluster.admin(0);
      AgentSettings base = AgentSettings.fromConfig(cluster.clientSystem.settings().config())
          .withControllers(cluster.controllers())
          .withEnrollmentToken(FleetHarness.createEnrollmentToken(cluster.admin(0), 100_000));
      Instant started = Instant.now();
      FleetSimulator fleet = FleetSimulator.start(cluster.clientSystem,
          SimulatorSettings.fromConfig(cluster.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
          count);
      waitUntil(Duration.ofMinutes(15), () -> online(admin) == count && fleet.appliedVersionCounts().getOrDefault(1L, 0)
          == count);
      System.out.printf("all %d agents online on v1 %.0f s after start%n", count,
          Duration.between(started, Instant.now()).toSeconds() * 1.0);
      waitUntil(Duration.ofMinutes(2), () -> cluster.deviceEntities(0) + cluster.deviceEntities(1)
          + cluster.deviceEntities(2) >= count);
      System.out.printf("device entities per node: %d, %d, %d%n", cluster.deviceEntities(0),
          cluster.deviceEntities(1), cluster.deviceEntities(2));
      Thread.sleep(15_000); // steady state: a heartbeat or so from everyone

      Instant killed = Instant.now();
      cluster.kill(1);
      FleetRecovery recovery = FleetRecovery.measure(cluster, admin, BEARER, killed, count, List.of(0, 2),
          Duration.ofMinutes(5));
      System.out.printf("node 2 killed (SIGKILL) with %d agents: %s%n", count, recovery);
      fleet.stop().toCompletableFuture().get(2, TimeUnit.MINUTES);
    }
    System.exit(0);
  }

  private static long online(AdminServiceClient admin) {
    try {
      return admin.getFleetSummary().addHeader("authorization", BEARER)
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(10, TimeUnit.SECONDS)
          .getOnline();
    } catch (Exception notYet) {
      return -1;
    }
  }

  private static void waitUntil(Duration limit, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(limit);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("not within " + limit);
      }
      Thread.sleep(1000);
    }
  }
}
