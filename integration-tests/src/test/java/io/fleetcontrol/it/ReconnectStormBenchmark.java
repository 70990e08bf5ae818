package io.fleetcontrol.it;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * N simulated agents on the real Cassandra and controller; the controller restarts; how do the
 * agents come back? Prints the connects per second after the new controller started, and the time
 * until every agent is connected again. Not a test (it takes minutes): run it by hand, see README
 * "The agent".
 */
public final class ReconnectStormBenchmark {

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    Duration downtime = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
    try (FleetHarness harness = new FleetHarness()) {
      AgentSettings base = AgentSettings.fromConfig(harness.clientSystem.settings().config())
          .withController(harness.controllerAddress())
          .withEnrollmentToken(harness.enrollmentToken);
      SimulatorSettings settings =
          SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0);
      Instant started = Instant.now();
      FleetSimulator fleet = FleetSimulator.start(harness.clientSystem, settings, count);
      waitAllConnected(fleet, count, Duration.ofMinutes(10));
      System.out.printf("all %d connected %d s after start%n", count, secondsSince(started));
      Thread.sleep(15_000); // a few heartbeats in steady state

      Instant down = Instant.now();
      harness.stopController();
      Thread.sleep(downtime.toMillis());
      harness.startController();
      Instant up = Instant.now();
      System.out.printf("controller down %d ms (stop + %d s + start)%n",
          Duration.between(down, up).toMillis(), downtime.toSeconds());
      waitAllConnected(fleet, count, Duration.ofMinutes(10));
      Instant allBack = Instant.now();
      System.out.printf("all %d connected again %.1f s after the new controller was up%n",
          count, Duration.between(up, allBack).toMillis() / 1000.0);

      print("stream attempts per second after the controller was up (all attempts, retries included)",
          perSecond(fleet, up, DeviceAgent::recentAttempts, false));
      print("connects per second after the controller was up (each agent's first accepted stream)",
          perSecond(fleet, up, DeviceAgent::recentConnects, true));
      fleet.stop().toCompletableFuture().get();
    }
    System.exit(0);
  }

  private static void waitAllConnected(FleetSimulator fleet, int count, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (fleet.connectedCount() < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("only " + fleet.connectedCount() + " of " + count + " connected");
      }
      Thread.sleep(200);
    }
  }

  /** Instants at or after {@code since} (each agent's first only, or all), per whole second since then. */
  static SortedMap<Long, Integer> perSecond(
      FleetSimulator fleet, Instant since, Function<DeviceAgent, List<Instant>> times, boolean firstOnly) {
    SortedMap<Long, Integer> perSecond = new TreeMap<>();
    for (DeviceAgent agent : fleet.agents()) {
      times.apply(agent).stream()
          .filter(at -> !at.isBefore(since))
          .limit(firstOnly ? 1 : Long.MAX_VALUE)
          .forEach(at -> perSecond.merge(Duration.between(since, at).toSeconds(), 1, Integer::sum));
    }
    return perSecond;
  }

  private static void print(String title, SortedMap<Long, Integer> perSecond) {
    int peak = perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    int total = perSecond.values().stream().mapToInt(Integer::intValue).sum();
    System.out.printf("%s: %d in all, peak %d/s, over %d s%n",
        title, total, peak, perSecond.isEmpty() ? 0 : perSecond.lastKey() + 1);
    perSecond.forEach((second, n) -> System.out.printf("  +%3ds %6d %s%n", second, n,
        "#".repeat((int) Math.ceil(60.0 * n / Math.max(1, peak)))));
  }

  private static long secondsSince(Instant start) {
    return Duration.between(start, Instant.now()).toSeconds();
  }

  private ReconnectStormBenchmark() {}

}
