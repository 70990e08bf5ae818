package io.fleetcontrol.agent;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.PolicyAck;
import io.fleetcontrol.proto.v1.Telemetry;
import java.time.Duration;
import java.time.Instant;

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

  static ControllerMessage fromProto(ConnectResponse response) {
    return switch (response.getMessageCase()) {
      case POLICY_UPDATE -> new ControllerMessage.PolicyReceived(
          fromProto(response.getPolicyUpdate().getPolicy()));
      case REQUEST_ACK -> new ControllerMessage.RequestAnswered(
          response.getRequestAck().getRequestId(),
          response.getRequestAck().getAccepted(),
          response.getRequestAck().getMessage());
      default -> new ControllerMessage.NotYetHandled(response.getMessageCase().name());
    };
  }

  static AgentPolicy fromProto(Policy policy) {
    com.google.protobuf.Duration interval = policy.getHeartbeatInterval();
    return new AgentPolicy(
        policy.getName(),
        policy.getVersion(),
        Duration.ofSeconds(interval.getSeconds(), interval.getNanos()));
  }

  private static Telemetry telemetry(TelemetrySample sample, int agentErrors) {
    return Telemetry.newBuilder()
        .setBatteryKnown(sample.batteryKnown())
        .setBatteryPercent(sample.batteryKnown() ? sample.batteryPercent() : -1)
        .setCharging(sample.charging())
        .setMeteredNetwork(sample.meteredNetwork())
        .setUploadedBytesDelta(sample.uploadedBytesDelta())
        .setAgentErrorCount(agentErrors)
        .build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
