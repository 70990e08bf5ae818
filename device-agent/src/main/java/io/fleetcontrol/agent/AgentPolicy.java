package io.fleetcontrol.agent;

import java.time.Duration;

/**
 * The part of the effective policy the agent acts on so far. The full rules reach the agent with
 * the local gate, which will use the policy-core model.
 *
 * @param heartbeatInterval zero when the policy does not name one
 */
public record AgentPolicy(String name, long version, Duration heartbeatInterval) {

  public Duration heartbeatIntervalOr(Duration fallback) {
    return heartbeatInterval.isZero() || heartbeatInterval.isNegative() ? fallback : heartbeatInterval;
  }
}
