package io.fleetcontrol.wire;

import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.proto.v1.Telemetry;

/** Heartbeat telemetry between fleet.v1 and the policy-core model, for the agent and the controller. */
public final class TelemetryWire {

  private TelemetryWire() {}

  public static DeviceTelemetry fromProto(Telemetry t) {
    return new DeviceTelemetry(
        t.getBatteryKnown(),
        t.getBatteryPercent(),
        t.getCharging(),
        t.getMeteredNetwork(),
        t.getUploadedBytesDelta(),
        t.getAgentCpuPercent(),
        t.getAgentRssBytes(),
        t.getAgentErrorCount());
  }

  /** An unknown battery goes out as -1 percent, whatever the reading held. */
  public static Telemetry toProto(DeviceTelemetry t) {
    return Telemetry.newBuilder()
        .setBatteryKnown(t.batteryKnown())
        .setBatteryPercent(t.batteryKnown() ? t.batteryPercent() : -1)
        .setCharging(t.charging())
        .setMeteredNetwork(t.meteredNetwork())
        .setUploadedBytesDelta(t.uploadedBytesDelta())
        .setAgentCpuPercent(t.agentCpuPercent())
        .setAgentRssBytes(t.agentRssBytes())
        .setAgentErrorCount(t.agentErrorCount())
        .build();
  }
}
