package io.fleetcontrol.agent.simulator;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.simulator.FleetDisturbances.SimulatedAgent;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many simulated agents in one JVM, for tests and benchmarks. Agents start over a ramp so the
 * controller sees a fleet arriving rather than a stampede, and share one gRPC client per
 * {@code agentsPerClient} agents, as HTTP/2 multiplexes their streams. Once a second, flaky
 * networks may drop and employees may pause (see {@link FleetDisturbances}); {@link #faults()} makes
 * a policy version misbehave.
 */
public final class FleetSimulator {

  private static final Logger log = LoggerFactory.getLogger(FleetSimulator.class);
  private static final Duration RAMP_TICK = Duration.ofMillis(100);
  private static final Duration DISTURBANCE_TICK = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final SimulatorSettings settings;
  private final int count;
  private final List<SimulatedAgent> agents;
  private final Map<String, DeviceAgent> agentsByDeviceId = new ConcurrentHashMap<>();
  private final List<AgentServiceClient> clients = new CopyOnWriteArrayList<>();
  private final Supplier<AgentServiceClient> newClient;
  private final UniqueKillSwitch ramp;
  private final CompletionStage<Done> rampDone;
  private final FaultSwitches faults;
  private final UniqueKillSwitch disturbing;

  private FleetSimulator(ActorSystem<?> system, SimulatorSettings settings, int count, FaultSwitches faults) {
    if (count < 0) {
      throw new IllegalArgumentException("agent count must not be negative: " + count);
    }
    this.system = system;
    this.settings = settings;
    this.count = count;
    this.faults = faults;
    this.newClient = AgentClients.factory(system, settings.base().controllers());
    this.agents = Collections.synchronizedList(new ArrayList<>(count));
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = startRamp();
    this.ramp = running.first();
    this.rampDone = running.second();
    this.disturbing = startDisturbances();
  }

  /** Starts {@code count} agents, devices sim-00001 onwards, over the ramp the settings give. */
  public static FleetSimulator start(ActorSystem<?> system, SimulatorSettings settings, int count) {
    return start(system, settings, count, new FaultSwitches());
  }

  /** As above, with faults already switched on from the first heartbeat; {@link #faults()} returns them. */
  public static FleetSimulator start(
      ActorSystem<?> system, SimulatorSettings settings, int count, FaultSwitches faults) {
    return new FleetSimulator(system, settings, count, faults);
  }

  /** As above, with the simulator defaults from the system's config ({@code fleet.agent.simulator}). */
  public static FleetSimulator start(ActorSystem<?> system, AgentSettings base, int count) {
    return start(system, SimulatorSettings.fromConfig(system.settings().config()).withBase(base), count);
  }

  private Pair<UniqueKillSwitch, CompletionStage<Done>> startRamp() {
    long ticks = Math.max(1, settings.rampFor(count).toMillis() / RAMP_TICK.toMillis());
    int perTick = (int) Math.max(1, Math.ceil((double) count / ticks));
    return Source.range(1, count)
        .grouped(perTick)
        .throttle(1, RAMP_TICK)
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(batch -> batch.forEach(this::startAgent)), Keep.both())
        .run(system);
  }

  private UniqueKillSwitch startDisturbances() {
    // Seeded, though when a disturbance lands still depends on which agents are connected by then.
    FleetDisturbances disturbances = new FleetDisturbances(settings.flaky(), faults, new Random(count));
    return Source.tick(DISTURBANCE_TICK, DISTURBANCE_TICK, NotUsed.getInstance())
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(tick -> disturb(disturbances)))
        .run(system);
  }

  // A failure here must not end the disturbances for the rest of the run.
  private void disturb(FleetDisturbances disturbances) {
    if (settings.flaky().fraction() == 0 && !faults.anyPauseHabit()) {
      return;
    }
    try {
      disturbances.tick(simulatedAgents(), DISTURBANCE_TICK);
    } catch (RuntimeException e) {
      log.warn("Simulated disturbances failed this tick", e);
    }
  }

  private void startAgent(int n) {
    AgentSettings agentSettings =
        settings
            .base()
            .withIdentity(
                SimulatedDevices.identity(n, settings.foreignFraction(), settings.foreignJurisdiction(),
                    settings.base().agentVersion()));
    boolean metered = SimulatedDevices.isMetered(n, settings.meteredFraction());
    TelemetrySource telemetry = new SimulatedTelemetry(new Random(n), Instant.now(), metered, faults);
    DeviceAgent agent = DeviceAgent.start(system, agentSettings, clientFor(n), telemetry);
    agentsByDeviceId.put(agent.deviceId(), agent);
    agents.add(new SimulatedAgent(n, agent, SimulatedDevices.isFlaky(n, settings.flaky().fraction())));
  }

  /** Called from the ramp only, one batch at a time, so the list grows in order. */
  private AgentServiceClient clientFor(int n) {
    int index = (n - 1) / settings.agentsPerClient();
    if (index == clients.size()) {
      clients.add(newClient.get());
    }
    return clients.get(index);
  }

  /** gRPC clients (HTTP/2 connections) opened so far. */
  int clientCount() {
    return clients.size();
  }

  /** How many agents the simulator will run once the ramp is done. */
  public int size() {
    return count;
  }

  /** Agents started so far, in device order. */
  public List<DeviceAgent> agents() {
    return simulatedAgents().stream().map(SimulatedAgent::agent).toList();
  }

  private List<SimulatedAgent> simulatedAgents() {
    synchronized (agents) {
      return List.copyOf(agents);
    }
  }

  /**
   * The switches that make a policy version misbehave on every agent of this simulator (drain,
   * crashes, pauses); flip them at any time.
   */
  public FaultSwitches faults() {
    return faults;
  }

  /**
   * Streams that came up at or after {@code since}, per whole second since then, over all agents
   * (each remembers its last 16). For a closing note: {@link ReconnectHistogram#format}.
   */
  public SortedMap<Long, Integer> connectsPerSecondSince(Instant since) {
    return ReconnectHistogram.perSecond(
        since, agents().stream().flatMap(agent -> agent.recentConnects().stream()).toList());
  }

  /** The agent of this device (sim-00042, say), once the ramp has started it. */
  public Optional<DeviceAgent> agent(String deviceId) {
    return Optional.ofNullable(agentsByDeviceId.get(deviceId));
  }

  public int connectedCount() {
    return (int) agents().stream().filter(a -> a.status() == LinkStatus.CONNECTED).count();
  }

  /** Started agents per applied policy version; version 0 counts those without a policy yet. */
  public SortedMap<Long, Integer> appliedVersionCounts() {
    SortedMap<Long, Integer> counts = new TreeMap<>();
    agents().forEach(a -> counts.merge(a.appliedPolicyVersion(), 1, Integer::sum));
    return counts;
  }

  /** Stops the ramp and every agent, then closes the shared clients. */
  public CompletionStage<Done> stop() {
    disturbing.shutdown();
    ramp.shutdown();
    // After the ramp has finished its last batch, so no agent starts behind our back.
    return rampDone
        .exceptionally(failure -> Done.getInstance())
        .thenCompose(
            rampStopped -> {
              agents().forEach(DeviceAgent::stop);
              CompletableFuture<?>[] closing =
                  clients.stream().map(c -> c.close().toCompletableFuture()).toArray(CompletableFuture[]::new);
              return CompletableFuture.allOf(closing).thenApply(closed -> Done.getInstance());
            });
  }
}
