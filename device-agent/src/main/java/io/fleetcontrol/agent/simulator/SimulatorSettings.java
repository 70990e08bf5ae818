package io.fleetcontrol.agent.simulator;

import com.typesafe.config.Config;
import io.fleetcontrol.agent.AgentSettings;
import java.time.Duration;

/**
 * How the simulator shapes its fleet.
 *
 * @param base settings every simulated agent starts from (controller, token, backoff, version)
 * @param foreignFraction share of devices placed in {@code foreignJurisdiction} instead of the US
 * @param agentsPerClient agents whose streams share one gRPC client (one HTTP/2 connection)
 * @param startRatePerSecond how many agents start per second during the ramp
 * @param maxRamp the whole fleet is started within this, whatever its size
 * @param meteredFraction share of devices on a metered network, the same devices every run
 * @param flaky which devices lose their network now and then, how often and for how long
 */
public record SimulatorSettings(
    AgentSettings base,
    double foreignFraction,
    String foreignJurisdiction,
    int agentsPerClient,
    double startRatePerSecond,
    Duration maxRamp,
    double meteredFraction,
    FlakyNetwork flaky) {

  public SimulatorSettings {
    if (foreignFraction < 0 || foreignFraction > 1) {
      throw new IllegalArgumentException("foreign fraction must be within 0..1, got " + foreignFraction);
    }
    if (meteredFraction < 0 || meteredFraction > 1) {
      throw new IllegalArgumentException("metered fraction must be within 0..1, got " + meteredFraction);
    }
    if (agentsPerClient < 1 || startRatePerSecond <= 0) {
      throw new IllegalArgumentException("agents per client and start rate must be positive");
    }
  }

  /** Reads {@code fleet.agent} and {@code fleet.agent.simulator}. */
  public static SimulatorSettings fromConfig(Config root) {
    Config simulator = root.getConfig("fleet.agent.simulator");
    return new SimulatorSettings(
        AgentSettings.fromConfig(root),
        simulator.getDouble("foreign-fraction"),
        simulator.getString("foreign-jurisdiction"),
        simulator.getInt("agents-per-client"),
        simulator.getDouble("start-rate"),
        simulator.getDuration("max-ramp"),
        simulator.getDouble("metered-fraction"),
        new FlakyNetwork(
            simulator.getDouble("flaky-fraction"),
            simulator.getDuration("flaky-mean-time-between-outages"),
            simulator.getDuration("flaky-shortest-outage"),
            simulator.getDuration("flaky-longest-outage")));
  }

  public SimulatorSettings withBase(AgentSettings newBase) {
    return new SimulatorSettings(newBase, foreignFraction, foreignJurisdiction, agentsPerClient, startRatePerSecond,
        maxRamp, meteredFraction, flaky);
  }

  public SimulatorSettings withAgentsPerClient(int agents) {
    return new SimulatorSettings(base, foreignFraction, foreignJurisdiction, agents, startRatePerSecond,
        maxRamp, meteredFraction, flaky);
  }

  public SimulatorSettings withStartRate(double agentsPerSecond) {
    return new SimulatorSettings(base, foreignFraction, foreignJurisdiction, agentsPerClient, agentsPerSecond,
        maxRamp, meteredFraction, flaky);
  }

  public SimulatorSettings withMeteredFraction(double fraction) {
    return new SimulatorSettings(base, foreignFraction, foreignJurisdiction, agentsPerClient, startRatePerSecond,
        maxRamp, fraction, flaky);
  }

  /** 0 gives a steady fleet, as tests and benchmarks that count connected agents need. */
  public SimulatorSettings withFlakyFraction(double fraction) {
    return withFlaky(flaky.withFraction(fraction));
  }

  public SimulatorSettings withFlaky(FlakyNetwork newFlaky) {
    return new SimulatorSettings(base, foreignFraction, foreignJurisdiction, agentsPerClient, startRatePerSecond,
        maxRamp, meteredFraction, newFlaky);
  }

  /** How long starting {@code count} agents takes: count at the start rate, at most maxRamp. */
  public Duration rampFor(int count) {
    long atRate = (long) Math.ceil(count * 1000.0 / startRatePerSecond);
    return Duration.ofMillis(Math.min(atRate, maxRamp.toMillis()));
  }
}
