package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.wire.PolicyVersionWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.wire.WireTime;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.proto.v1.Device;
import java.time.Instant;

/** The wire format at the edge: domain records to and from fleet.v1 messages. */
public final class ProtoMapping {

  private ProtoMapping() {}

  public static io.fleetcontrol.proto.v1.CaptureState toProto(CaptureState state) {
    return io.fleetcontrol.proto.v1.CaptureState.valueOf("CAPTURE_STATE_" + state.name());
  }

  public static io.fleetcontrol.proto.v1.ConnectionState toProto(ConnectionState state) {
    return io.fleetcontrol.proto.v1.ConnectionState.valueOf("CONNECTION_STATE_" + state.name());
  }

  public static Timestamp toProto(Instant instant) {
    return WireTime.toProto(instant);
  }

  // Times and durations from callers go through InputRules.time / duration, which check the range first.

  public static ExemptionScope fromProto(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return ExemptionWire.fromProto(scope)
        .orElseThrow(() -> InputRules.invalid("scope must be full, no_screenshots or no_keystrokes"));
  }

  public static ExemptionReason fromProto(io.fleetcontrol.proto.v1.ExemptionReason reason) {
    return ExemptionWire.fromProto(reason)
        .orElseThrow(() -> InputRules.invalid("reason must be bandwidth, sensitive_work, battery or other"));
  }

  static io.fleetcontrol.proto.v1.DeviceHealth toProto(io.fleetcontrol.policy.HealthRollup.Summary health) {
    var builder = io.fleetcontrol.proto.v1.DeviceHealth.newBuilder()
        .setSamplesLastHour(health.samples())
        .setUploadedBytesPerHour(health.uploadedBytesPerHour())
        .setAgentErrorsLastHour(health.agentErrors())
        .setAgentCpuPercentMean(health.agentCpuPercentMean())
        .setAgentRssBytesMax(health.agentRssBytesMax());
    if (health.hasDrainRate()) {
      builder.setBatteryDrainPercentPerHour(health.batteryDrainPercentPerHour());
    }
    return builder.build();
  }

  /** A device as its entity sees it, with the connection state the caller derived. */
  public static Device toProto(DeviceSummary summary, ConnectionState connection) {
    var identity = summary.identity();
    var builder =
        Device.newBuilder()
            .setDeviceId(identity.deviceId())
            .setOwner(identity.owner())
            .setJurisdiction(identity.jurisdiction())
            .putAllLabels(identity.labels())
            .setAgentVersion(identity.agentVersion())
            .setTimeZone(identity.timeZone())
            .setTargetPolicy(PolicyVersionWire.toProto(summary.targetPolicy()))
            .setAppliedPolicy(PolicyVersionWire.toProto(summary.appliedPolicy()))
            .setConnectionState(toProto(connection))
            .setCaptureState(toProto(summary.captureState()))
            .setCaptureStateReason(summary.captureStateReason())
            .setLatestTelemetry(TelemetryWire.toProto(summary.latestTelemetry()))
            .setHealth(toProto(summary.health()))
            .setPausesTakenToday(summary.pausesTakenToday())
            .setIdentityState(io.fleetcontrol.proto.v1.IdentityState.valueOf(
                "IDENTITY_STATE_" + summary.identityStatus().name()));
    summary.exemptions().forEach(e -> builder.addExemptions(ExemptionWire.toProto(identity.deviceId(), e)));
    if (summary.pauseEnd() != null) {
      builder.setActivePause(io.fleetcontrol.proto.v1.Pause.newBuilder()
          .setStartTime(toProto(summary.pauseStart()))
          .setEndTime(toProto(summary.pauseEnd())));
    }
    if (summary.enrollTime() != null) {
      builder.setEnrollTime(toProto(summary.enrollTime()));
    }
    if (summary.lastSeen() != null) {
      builder.setLastSeenTime(toProto(summary.lastSeen()));
    }
    return builder.build();
  }

  /** A device as the read side has it: directory facts, last word heard, connection state now. */
  public static Device toProto(FleetView.Row row) {
    DeviceStore.Entry entry = row.entry();
    var builder =
        Device.newBuilder()
            .setDeviceId(entry.deviceId())
            .setOwner(nullToEmpty(entry.owner()))
            .setJurisdiction(nullToEmpty(entry.jurisdiction()))
            .putAllLabels(entry.labels() == null ? java.util.Map.of() : entry.labels())
            .setAgentVersion(nullToEmpty(entry.agentVersion()))
            .setTimeZone(nullToEmpty(entry.timeZone()))
            .setTargetPolicy(PolicyVersionWire.toProto(entry.targetPolicy()))
            .setAppliedPolicy(PolicyVersionWire.toProto(entry.appliedPolicy()))
            .setConnectionState(toProto(row.connection()))
            .setCaptureStateReason(nullToEmpty(entry.captureReason()));
    if (entry.enrollTime() != null) {
      builder.setEnrollTime(toProto(entry.enrollTime()));
    }
    if (row.lastSeen() != null) {
      builder.setLastSeenTime(toProto(row.lastSeen()));
    }
    if (row.captureState() != null) {
      builder.setCaptureState(toProto(row.captureState()));
    }
    return builder.build();
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
