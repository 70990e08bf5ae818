package io.fleetcontrol.controller.agent;

import io.fleetcontrol.controller.grpc.RateLimit;
import java.time.Duration;

/** What one device stream and one caller address may send (fleet.limits). */
public record AgentLimits(RateLimit heartbeats, RateLimit streamRequests, RateLimit connectsPerDevice, int trackedDevices,
    RateLimit enrollPerAddress, int enrollAddresses, int missedHeartbeats, Duration defaultHeartbeatInterval) {

  public static AgentLimits fromConfig(com.typesafe.config.Config limits) {
    return new AgentLimits(
        RateLimit.fromConfig(limits.getConfig("heartbeats")),
        RateLimit.fromConfig(limits.getConfig("stream-requests")),
        RateLimit.fromConfig(limits.getConfig("connects-per-device")),
        limits.getInt("tracked-devices"),
        RateLimit.fromConfig(limits.getConfig("enroll-per-address")),
        limits.getInt("enroll-addresses"),
        limits.getInt("missed-heartbeats"),
        limits.getDuration("default-heartbeat-interval"));
  }
}
