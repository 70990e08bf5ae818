package io.fleetcontrol.agent;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.PauseRequest;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.PolicyAck;
import io.fleetcontrol.proto.v1.ResumeRequest;
import io.fleetcontrol.proto.v1.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The only place the agent speaks protobuf: domain values to fleet.v1 messages and back. */
final class AgentWire {

  private AgentWire() {}

  static EnrollRequest enrollRequest(AgentSettings settings) {
    DeviceIdentity identity = settings.identity();
    return EnrollRequest.newBuilder()
        .setEnrollmentToken(settings.enrollmentToken())
        .setDeviceId(identity.deviceId())
        .setOwner(identity.owner())
        .setJurisdiction(identity.jurisdiction())
        .putAllLabels(identity.labels())
        .setAgentVersion(settings.agentVersion())
        .setTimeZone(identity.timeZone())
        .build();
  }

  static ConnectRequest heartbeat(
      Instant sendTime, TelemetrySample sample, int agentErrors, long appliedVersion, String agentVersion) {
    return ConnectRequest.newBuilder()
        .setHeartbeat(
            Heartbeat.newBuilder()
                .setSendTime(timestamp(sendTime))
                .setTelemetry(telemetry(sample, agentErrors))
                .setAppliedPolicyVersion(appliedVersion)
                .setAgentVersion(agentVersion))
        .build();
  }

  static ConnectRequest policyAck(String requestId, long version) {
    return ConnectRequest.newBuilder()
        .setRequestId(requestId)
        .setPolicyAck(PolicyAck.newBuilder().setPolicyVersion(version))
        .build();
  }

  static ConnectRequest toProto(EmployeeRequest request) {
    ConnectRequest.Builder envelope = ConnectRequest.newBuilder().setRequestId(request.requestId());
    Timestamp asked = timestamp(request.askedAt());
    if (request instanceof EmployeeRequest.Pause pause) {
      envelope.setPauseRequest(PauseRequest.newBuilder().setDuration(duration(pause.duration())).setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Resume) {
      envelope.setResumeRequest(ResumeRequest.newBuilder().setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Exemption exemption) {
      envelope.setExemptionRequest(
          ExemptionRequest.newBuilder()
              .setScope(toProto(exemption.scope()))
              .setReason(toProto(exemption.reason()))
              .setComment(exemption.comment())
              .setRequestTime(asked));
    }
    return envelope.build();
  }

  static ControllerMessage fromProto(ConnectResponse response) {
    return switch (response.getMessageCase()) {
      case POLICY_UPDATE -> new ControllerMessage.PolicyReceived(
          fromProto(response.getPolicyUpdate().getPolicy()));
      case PAUSE_UPDATE -> fromProto(response.getPauseUpdate());
      case EXEMPTION_UPDATE -> fromProto(response.getExemptionUpdate());
      case REQUEST_ACK -> new ControllerMessage.RequestAnswered(
          response.getRequestAck().getRequestId(),
          response.getRequestAck().getAccepted(),
          response.getRequestAck().getMessage());
      case MESSAGE_NOT_SET -> new ControllerMessage.Unrecognized(response.getMessageCase().name());
    };
  }

  static AgentPolicy fromProto(Policy policy) {
    com.google.protobuf.Duration interval = policy.getHeartbeatInterval();
    return new AgentPolicy(
        policy.getName(),
        policy.getVersion(),
        Duration.ofSeconds(interval.getSeconds(), interval.getNanos()));
  }

  static ControllerMessage.PauseReceived fromProto(PauseUpdate update) {
    Optional<ActivePause> active =
        update.hasActivePause()
            ? Optional.of(
                new ActivePause(
                    instant(update.getActivePause().getStartTime()), instant(update.getActivePause().getEndTime())))
            : Optional.empty();
    return new ControllerMessage.PauseReceived(active, update.getPausesLeftToday());
  }

  /** Drops an exemption whose scope or status this agent cannot read rather than guess at it. */
  static ControllerMessage.ExemptionsReceived fromProto(ExemptionUpdate update) {
    List<AgentExemption> readable =
        update.getExemptionsList().stream().flatMap(e -> fromProto(e).stream()).toList();
    return new ControllerMessage.ExemptionsReceived(readable);
  }

  static Optional<AgentExemption> fromProto(Exemption exemption) {
    Optional<ExemptionScope> scope = fromProto(exemption.getScope());
    Optional<ExemptionStatus> status = fromProto(exemption.getStatus());
    if (scope.isEmpty() || status.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new AgentExemption(
            exemption.getExemptionId(),
            scope.get(),
            fromProto(exemption.getReason()),
            exemption.getComment(),
            status.get(),
            exemption.hasRequestTime() ? instant(exemption.getRequestTime()) : null,
            exemption.hasExpireTime() ? instant(exemption.getExpireTime()) : null,
            exemption.getDecidedBy(),
            exemption.getDecisionReason(),
            exemption.hasDecideTime() ? instant(exemption.getDecideTime()) : null));
  }

  private static io.fleetcontrol.proto.v1.ExemptionScope toProto(ExemptionScope scope) {
    return switch (scope) {
      case FULL -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_FULL;
      case NO_SCREENSHOTS -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS;
      case NO_KEYSTROKES -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_KEYSTROKES;
    };
  }

  private static Optional<ExemptionScope> fromProto(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return switch (scope) {
      case EXEMPTION_SCOPE_FULL -> Optional.of(ExemptionScope.FULL);
      case EXEMPTION_SCOPE_NO_SCREENSHOTS -> Optional.of(ExemptionScope.NO_SCREENSHOTS);
      case EXEMPTION_SCOPE_NO_KEYSTROKES -> Optional.of(ExemptionScope.NO_KEYSTROKES);
      case EXEMPTION_SCOPE_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  private static io.fleetcontrol.proto.v1.ExemptionReason toProto(ExemptionReason reason) {
    return switch (reason) {
      case BANDWIDTH -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BANDWIDTH;
      case SENSITIVE_WORK -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK;
      case BATTERY -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BATTERY;
      case OTHER -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_OTHER;
    };
  }

  /** A reason this agent does not know changes nothing it does, so it shows as OTHER. */
  private static ExemptionReason fromProto(io.fleetcontrol.proto.v1.ExemptionReason reason) {
    return switch (reason) {
      case EXEMPTION_REASON_BANDWIDTH -> ExemptionReason.BANDWIDTH;
      case EXEMPTION_REASON_SENSITIVE_WORK -> ExemptionReason.SENSITIVE_WORK;
      case EXEMPTION_REASON_BATTERY -> ExemptionReason.BATTERY;
      case EXEMPTION_REASON_OTHER, EXEMPTION_REASON_UNSPECIFIED, UNRECOGNIZED -> ExemptionReason.OTHER;
    };
  }

  private static Optional<ExemptionStatus> fromProto(io.fleetcontrol.proto.v1.ExemptionStatus status) {
    return switch (status) {
      case EXEMPTION_STATUS_REQUESTED -> Optional.of(ExemptionStatus.REQUESTED);
      case EXEMPTION_STATUS_APPROVED -> Optional.of(ExemptionStatus.APPROVED);
      case EXEMPTION_STATUS_DENIED -> Optional.of(ExemptionStatus.DENIED);
      case EXEMPTION_STATUS_REVOKED -> Optional.of(ExemptionStatus.REVOKED);
      case EXEMPTION_STATUS_EXPIRED -> Optional.of(ExemptionStatus.EXPIRED);
      case EXEMPTION_STATUS_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  private static Telemetry telemetry(TelemetrySample sample, int agentErrors) {
    return Telemetry.newBuilder()
        .setBatteryKnown(sample.batteryKnown())
        .setBatteryPercent(sample.batteryKnown() ? sample.batteryPercent() : -1)
        .setCharging(sample.charging())
        .setMeteredNetwork(sample.meteredNetwork())
        .setUploadedBytesDelta(sample.uploadedBytesDelta())
        .setAgentCpuPercent(sample.agentCpuPercent())
        .setAgentRssBytes(sample.agentRssBytes())
        .setAgentErrorCount(agentErrors)
        .build();
  }

  private static com.google.protobuf.Duration duration(Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
