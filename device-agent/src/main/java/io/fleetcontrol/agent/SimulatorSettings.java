package io.fleetcontrol.agent;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How the simulator shapes its fleet.
 *
 * @param base settings every simulated agent starts from (controller, token, backoff, version)
 * @param foreignFraction share of devices placed in {@code foreignJurisdiction} instead of the US
 * @param agentsPerClient agents whose streams share one gRPC client (one HTTP/2 connection)
 * @param startRatePerSecond how many agents start per second during the ramp
 * @param maxRamp the whole fleet is started within this, whatever its size
 */
public record SimulatorSettings(
    AgentSettings base,
    double foreignFraction,
    String foreignJurisdiction,
    int agentsPerClient,
    double startRatePerSecond,
    Duration maxRamp) {

  public SimulatorSettings {
    if (foreignFraction < 0 || foreignFraction > 1) {
      throw new IllegalArgumentException("foreign fraction must be within 0..1, got " + foreignFraction);
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
        simulator.getDuration("max-ramp"));
  }

  public SimulatorSettings withBase(AgentSettings newBase) {
    return new SimulatorSettings(
        newBase, foreignFraction, foreignJurisdiction, agentsPerClient, startRatePerSecond, maxRamp);
  }

  public SimulatorSettings withAgentsPerClient(int agents) {
    return new SimulatorSettings(base, foreignFraction, foreignJurisdiction, agents, startRatePerSecond, maxRamp);
  }

  public SimulatorSettings withStartRate(double agentsPerSecond) {
    return new SimulatorSettings(
        base, foreignFraction, foreignJurisdiction, agentsPerClient, agentsPerSecond, maxRamp);
  }

  /** How long starting {@code count} agents takes: count at the start rate, at most maxRamp. */
  public Duration rampFor(int count) {
    long atRate = (long) Math.ceil(count * 1000.0 / startRatePerSecond);
    return Duration.ofMillis(Math.min(atRate, maxRamp.toMillis()));
  }
}
