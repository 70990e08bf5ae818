package io.fleetcontrol.agent.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.DeviceAgentBehavior;
import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs a simulated fleet until Ctrl-C, printing one status line every few seconds. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = "Run COUNT simulated agents (devices sim-00001 ...) in this JVM.")
final class SimulateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ControllerOptions controllerOptions;

  @Option(names = "--count", required = true, description = "How many agents.")
  int count;

  @Option(names = "--start-rate", paramLabel = "PER_SECOND", description = "Agents started per second.")
  Double startRate;

  @Option(names = "--flaky-fraction", paramLabel = "X",
      description = "Share of agents whose network drops now and then (0..1; 0: a steady fleet).")
  Double flakyFraction;

  @Option(names = "--fault-drain-version", paramLabel = "V",
      description = "Agents on policy version V drain their battery faster (see --fault-drain-factor).")
  Long drainVersion;

  @Option(names = "--fault-drain-factor", paramLabel = "F", defaultValue = "3",
      description = "How many times as fast they drain (default: ${DEFAULT-VALUE}).")
  double drainFactor;

  @Option(names = "--fault-crash-version", paramLabel = "V",
      description = "Agents on policy version V crash now and then (see --fault-crash-every).")
  Long crashVersion;

  @Option(names = "--fault-crash-every", paramLabel = "DURATION", defaultValue = "10m",
      description = "Mean time between crashes of each such agent, like 10m or 1h (default: ${DEFAULT-VALUE}).")
  String crashEvery;

  @Option(names = "--status-every", paramLabel = "DURATION", defaultValue = "5s",
      description = "How often the status line is printed, like 1s (default: ${DEFAULT-VALUE}); benchmarks that "
          + "time the fleet from it ask for 1s.")
  String statusEvery;

  @Override
  public Integer call() {
    Config config = ConfigFactory.load();
    SimulatorSettings settings = simulatorSettings(config);
    FaultSwitches faults = checked(this::requestedFaults);
    Duration statusInterval = EmployeeCommands.parseDuration(spec, statusEvery);
    if (statusInterval.isZero()) {
      throw new ParameterException(spec.commandLine(), "--status-every: at least 1s, got \"" + statusEvery + "\"");
    }
    PrintWriter out = spec.commandLine().getOut();
    // A thousand agents each reporting a lost stream drown the status lines; rejections still show.
    ((Logger) LoggerFactory.getLogger(DeviceAgentBehavior.class)).setLevel(Level.ERROR);

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleet-simulator", config);
    FleetSimulator fleet = FleetSimulator.start(system, settings, count, faults);
    // On Ctrl-C, agents hang up before their clients close under them.
    CoordinatedShutdown.get(system)
        .addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-simulated-agents", fleet::stop);
    out.printf("Starting %d agents against %s over %d s%n",
        count, settings.base().controller(), settings.rampFor(count).toSeconds());
    if (drainVersion != null || crashVersion != null) {
      out.println("Faults: " + faults);
    }
    out.flush();
    system
        .scheduler()
        .scheduleAtFixedRate(
            statusInterval,
            statusInterval,
            () -> {
              out.println(statusLine(fleet.connectedCount(), fleet.size(), fleet.appliedVersionCounts()));
              out.flush();
            },
            system.executionContext());
    system.getWhenTerminated().toCompletableFuture().join();
    return 0;
  }

  private SimulatorSettings simulatorSettings(Config config) {
    SimulatorSettings settings = SimulatorSettings.fromConfig(config);
    settings = settings.withBase(controllerOptions.applyTo(settings.base()));
    if (startRate != null) {
      settings = settings.withStartRate(startRate);
    }
    if (flakyFraction != null) {
      SimulatorSettings unchecked = settings;
      settings = checked(() -> unchecked.withFlakyFraction(flakyFraction));
    }
    return settings;
  }

  private FaultSwitches requestedFaults() {
    FaultSwitches faults = new FaultSwitches();
    if (drainVersion != null) {
      faults.drainFaster(drainVersion, drainFactor);
    }
    if (crashVersion != null) {
      faults.crashOn(crashVersion, EmployeeCommands.parseDuration(spec, crashEvery));
    }
    return faults;
  }

  /** A bad option value is a usage error (exit 2), not a crash. */
  private <T> T checked(Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** "connected 998/1000, policy v3: 990, v2: 8, none: 2", newest version first. */
  static String statusLine(int connected, int total, SortedMap<Long, Integer> versionCounts) {
    String versions =
        versionCounts.entrySet().stream()
            .sorted(Map.Entry.<Long, Integer>comparingByKey().reversed())
            .map(e -> (e.getKey() == 0 ? "none" : "v" + e.getKey()) + ": " + e.getValue())
            .collect(Collectors.joining(", "));
    return "connected " + connected + "/" + total + ", policy " + (versions.isEmpty() ? "-" : versions);
  }
}
