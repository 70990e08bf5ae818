package io.fleetcontrol.controller.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.device.ExemptionRecord;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.wire.TelemetryWire;
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
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  // Times and durations from callers go through InputRules.time / duration, which check the range first.

  public static Exemption.Scope fromProto(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return switch (scope) {
      case EXEMPTION_SCOPE_FULL -> Exemption.Scope.FULL;
      case EXEMPTION_SCOPE_NO_SCREENSHOTS -> Exemption.Scope.NO_SCREENSHOTS;
      case EXEMPTION_SCOPE_NO_KEYSTROKES -> Exemption.Scope.NO_KEYSTROKES;
      default -> throw InputRules.invalid("scope must be full, no_screenshots or no_keystrokes");
    };
  }

  public static ExemptionRecord.ReasonCategory fromProto(io.fleetcontrol.proto.v1.ExemptionReason reason) {
    return switch (reason) {
      case EXEMPTION_REASON_BANDWIDTH -> ExemptionRecord.ReasonCategory.BANDWIDTH;
      case EXEMPTION_REASON_SENSITIVE_WORK -> ExemptionRecord.ReasonCategory.SENSITIVE_WORK;
      case EXEMPTION_REASON_BATTERY -> ExemptionRecord.ReasonCategory.BATTERY;
      case EXEMPTION_REASON_OTHER -> ExemptionRecord.ReasonCategory.OTHER;
      default -> throw InputRules.invalid("reason must be bandwidth, sensitive_work, battery or other");
    };
  }

  static io.fleetcontrol.proto.v1.ExemptionStatus toProto(ExemptionRecord.Status status) {
    return io.fleetcontrol.proto.v1.ExemptionStatus.valueOf("EXEMPTION_STATUS_" + status.name());
  }

  public static io.fleetcontrol.proto.v1.Exemption toProto(String deviceId, ExemptionRecord e) {
    var builder = io.fleetcontrol.proto.v1.Exemption.newBuilder()
        .setExemptionId(e.exemptionId())
        .setDeviceId(deviceId)
        .setScope(io.fleetcontrol.proto.v1.ExemptionScope.valueOf("EXEMPTION_SCOPE_" + e.scope().name()))
        .setReason(io.fleetcontrol.proto.v1.ExemptionReason.valueOf("EXEMPTION_REASON_" + e.reason().name()))
        .setComment(e.comment() == null ? "" : e.comment())
        .setStatus(toProto(e.status()))
        .setRequestTime(toProto(e.requestTime()));
    if (e.expireTime() != null) {
      builder.setExpireTime(toProto(e.expireTime()));
    }
    if (e.decidedBy() != null) {
      builder.setDecidedBy(e.decidedBy());
    }
    if (e.decisionReason() != null) {
      builder.setDecisionReason(e.decisionReason());
    }
    if (e.decideTime() != null) {
      builder.setDecideTime(toProto(e.decideTime()));
    }
    return builder.build();
  }

  static Duration toProto(java.time.Duration duration) {
    return Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
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
            .setPolicyName(summary.policyName())
            .setTargetPolicyVersion(summary.targetPolicyVersion())
            .setAppliedPolicyVersion(summary.appliedPolicyVersion())
            .setConnectionState(toProto(connection))
            .setCaptureState(toProto(summary.captureState()))
            .setCaptureStateReason(summary.captureStateReason())
            .setLatestTelemetry(TelemetryWire.toProto(summary.latestTelemetry()))
            .setHealth(toProto(summary.health()))
            .setPausesTakenToday(summary.pausesTakenToday())
            .setIdentityState(io.fleetcontrol.proto.v1.IdentityState.valueOf(
                "IDENTITY_STATE_" + summary.identityStatus().name()));
    summary.exemptions().forEach(e -> builder.addExemptions(toProto(identity.deviceId(), e)));
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
            .setPolicyName(nullToEmpty(entry.policyName()))
            .setTargetPolicyVersion(entry.targetPolicyVersion())
            .setAppliedPolicyVersion(entry.appliedPolicyVersion())
            .setConnectionState(toProto(row.connection()))
            .setCaptureStateReason(nullToEmpty(entry.captureReason()));
    if (entry.enrollTime() != null) {
      builder.setEnrollTime(toProto(entry.enrollTime()));
    }
    if (entry.lastSeen() != null) {
      builder.setLastSeenTime(toProto(entry.lastSeen()));
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
