package io.fleetcontrol.agent.link;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.AgentExemption;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.DeviceIdentity;
import io.fleetcontrol.agent.state.EmployeeControls;
import io.fleetcontrol.agent.state.EmployeeRequest;
import io.fleetcontrol.agent.state.ExemptionReason;
import io.fleetcontrol.agent.state.ExemptionScope;
import io.fleetcontrol.agent.state.ExemptionStatus;
import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.wire.WireTime;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.NoticeAcknowledgement;
import io.fleetcontrol.proto.v1.PauseRequest;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.PolicyAck;
import io.fleetcontrol.proto.v1.ResumeRequest;
import io.fleetcontrol.proto.v1.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;

/** The only place the agent speaks protobuf: domain values to fleet.v1 messages and back. */
public final class AgentWire {

  private AgentWire() {}

  public static EnrollRequest enrollRequest(AgentSettings settings, String enrollmentId) {
    DeviceIdentity identity = settings.identity();
    return EnrollRequest.newBuilder()
        .setEnrollmentToken(settings.enrollmentToken())
        .setEnrollmentId(enrollmentId)
        .setDeviceId(identity.deviceId())
        .setOwner(identity.owner())
        .setJurisdiction(identity.jurisdiction())
        .putAllLabels(identity.labels())
        .setAgentVersion(settings.agentVersion())
        .setTimeZone(identity.timeZone())
        .build();
  }

  public static ConnectRequest heartbeat(
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

  public static ConnectRequest policyAck(String requestId, long version) {
    return ConnectRequest.newBuilder()
        .setRequestId(requestId)
        .setPolicyAck(PolicyAck.newBuilder().setPolicyVersion(version))
        .build();
  }

  public static ConnectRequest toProto(EmployeeRequest request) {
    ConnectRequest.Builder envelope = ConnectRequest.newBuilder().setRequestId(request.requestId());
    Timestamp asked = timestamp(request.askedAt());
    if (request instanceof EmployeeRequest.Pause pause) {
      envelope.setPauseRequest(PauseRequest.newBuilder().setDuration(duration(pause.duration())).setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Resume) {
      envelope.setResumeRequest(ResumeRequest.newBuilder().setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Exemption exemption) {
      envelope.setExemptionRequest(exemptionRequest(exemption));
    } else if (request instanceof EmployeeRequest.AcknowledgeNotice notice) {
      envelope.setNoticeAcknowledgement(
          NoticeAcknowledgement.newBuilder().setPolicyVersion(notice.policyVersion()).setAcknowledgeTime(asked));
    }
    return envelope.build();
  }

  public static ExemptionRequest exemptionRequest(EmployeeRequest.Exemption exemption) {
    return ExemptionRequest.newBuilder()
        .setScope(toProto(exemption.scope()))
        .setReason(toProto(exemption.reason()))
        .setComment(exemption.comment())
        .setRequestTime(timestamp(exemption.askedAt()))
        .build();
  }

  /** A request read back from the cache; empty for one this agent cannot read. */
  public static Optional<EmployeeRequest> fromProto(ConnectRequest request) {
    String id = request.getRequestId();
    return switch (request.getMessageCase()) {
      case PAUSE_REQUEST -> Optional.of(new EmployeeRequest.Pause(id,
          instant(request.getPauseRequest().getRequestTime()),
          WireTime.fromProto(request.getPauseRequest().getDuration())));
      case RESUME_REQUEST -> Optional.of(
          new EmployeeRequest.Resume(id, instant(request.getResumeRequest().getRequestTime())));
      case EXEMPTION_REQUEST -> {
        ExemptionRequest e = request.getExemptionRequest();
        yield fromProto(e.getScope()).map(scope -> new EmployeeRequest.Exemption(
            id, instant(e.getRequestTime()), scope, fromProto(e.getReason()), e.getComment()));
      }
      case NOTICE_ACKNOWLEDGEMENT -> Optional.of(new EmployeeRequest.AcknowledgeNotice(id,
          instant(request.getNoticeAcknowledgement().getAcknowledgeTime()),
          request.getNoticeAcknowledgement().getPolicyVersion()));
      default -> Optional.empty();
    };
  }

  // --- the cache on disk ---

  /** What {@link AgentCacheFile} holds, back in domain terms. */
  public record Cached(AgentState state, UploadCounters uploads, List<EmployeeRequest> unsent) {}

  public static AgentCache toCache(String deviceId, AgentState state, UploadCounters uploads, List<EmployeeRequest> unsent) {
    AgentCache.Builder cache = AgentCache.newBuilder()
        .setDeviceId(deviceId)
        .setNoticeAcknowledgedVersion(state.noticeAcknowledgedVersion())
        .setPausesLeftToday(state.controls().pausesLeftToday());
    if (state.policy() != null) {
      cache.setPolicy(PolicyWire.toProto(state.policy()));
    }
    if (state.lastControllerContact() != null) {
      cache.setLastControllerContact(timestamp(state.lastControllerContact()));
    }
    state.controls().activePause().ifPresent(p -> cache.setControllerPause(pause(p.start(), p.end())));
    state.controls().exemptions().forEach(e -> cache.addExemptions(toProto(e)));
    if (state.localPause() != null) {
      AgentState.LocalPause local = state.localPause();
      cache.setLocalPauseSet(true)
          .setLocalPause(pause(local.start(), local.end()))
          .setLocalPauseRequestId(local.requestId());
    }
    if (uploads.localDay() != null) {
      cache.setUploadDay(uploads.localDay().toString()).setUploadedBytesToday(uploads.bytesToday());
    }
    if (uploads.localMonth() != null) {
      cache.setUploadMonth(uploads.localMonth().toString()).setUploadedBytesThisMonth(uploads.bytesThisMonth());
    }
    unsent.forEach(r -> cache.addUnsentRequests(toProto(r)));
    return cache.build();
  }

  /**
   * The cache back in domain terms.
   *
   * @throws IllegalArgumentException naming what cannot be read; the caller then treats the cache as damaged
   */
  public static Cached fromCache(AgentCache cache) {
    io.fleetcontrol.policy.Policy policy = null;
    if (cache.hasPolicy()) {
      PolicyWire.Read read = PolicyWire.fromProto(cache.getPolicy());
      if (!read.readable()) {
        throw new IllegalArgumentException("cached policy unreadable: " + String.join("; ", read.problems()));
      }
      policy = read.policy().withVersion(cache.getPolicy().getVersion());
    }
    Optional<ActivePause> controllerPause = cache.hasControllerPause()
        ? Optional.of(new ActivePause(instant(cache.getControllerPause().getStartTime()),
            instant(cache.getControllerPause().getEndTime())))
        : Optional.empty();
    List<AgentExemption> exemptions =
        cache.getExemptionsList().stream().flatMap(e -> fromProto(e).stream()).toList();
    AgentState.LocalPause localPause = cache.getLocalPauseSet()
        ? new AgentState.LocalPause(cache.getLocalPauseRequestId(),
            instant(cache.getLocalPause().getStartTime()), instant(cache.getLocalPause().getEndTime()), false)
        : null;
    AgentState state = new AgentState(
        policy,
        cache.hasLastControllerContact() ? instant(cache.getLastControllerContact()) : null,
        cache.getNoticeAcknowledgedVersion(),
        new EmployeeControls(controllerPause, cache.getPausesLeftToday(), exemptions),
        localPause);
    UploadCounters uploads = new UploadCounters(
        cache.getUploadDay().isEmpty() ? null : LocalDate.parse(cache.getUploadDay()),
        cache.getUploadedBytesToday(),
        cache.getUploadMonth().isEmpty() ? null : YearMonth.parse(cache.getUploadMonth()),
        cache.getUploadedBytesThisMonth());
    List<EmployeeRequest> unsent =
        cache.getUnsentRequestsList().stream().flatMap(r -> fromProto(r).stream()).toList();
    return new Cached(state, uploads, unsent);
  }

  public static io.fleetcontrol.proto.v1.Pause pause(Instant start, Instant end) {
    return io.fleetcontrol.proto.v1.Pause.newBuilder().setStartTime(timestamp(start)).setEndTime(timestamp(end)).build();
  }

  public static Exemption toProto(AgentExemption e) {
    Exemption.Builder b = Exemption.newBuilder()
        .setExemptionId(e.exemptionId())
        .setScope(toProto(e.scope()))
        .setReason(toProto(e.reason()))
        .setComment(e.comment())
        .setStatus(toProto(e.status()))
        .setDecidedBy(e.decidedBy())
        .setDecisionReason(e.decisionReason());
    if (e.requestTime() != null) {
      b.setRequestTime(timestamp(e.requestTime()));
    }
    if (e.expireTime() != null) {
      b.setExpireTime(timestamp(e.expireTime()));
    }
    if (e.decideTime() != null) {
      b.setDecideTime(timestamp(e.decideTime()));
    }
    return b.build();
  }

  private static io.fleetcontrol.proto.v1.ExemptionStatus toProto(ExemptionStatus status) {
    return io.fleetcontrol.proto.v1.ExemptionStatus.valueOf("EXEMPTION_STATUS_" + status.name());
  }

  public static ControllerMessage fromProto(ConnectResponse response) {
    return switch (response.getMessageCase()) {
      case POLICY_UPDATE -> policyReceived(response.getPolicyUpdate().getPolicy());
      case PAUSE_UPDATE -> fromProto(response.getPauseUpdate());
      case EXEMPTION_UPDATE -> fromProto(response.getExemptionUpdate());
      case REQUEST_ACK -> new ControllerMessage.RequestAnswered(
          response.getRequestAck().getRequestId(),
          response.getRequestAck().getAccepted(),
          response.getRequestAck().getMessage());
      case HEARTBEAT_REQUEST -> new ControllerMessage.HeartbeatWanted();
      case MESSAGE_NOT_SET -> new ControllerMessage.Unrecognized(response.getMessageCase().name());
    };
  }

  /** The controller's own reader, so the agent decides on exactly what the controller validated. */
  public static ControllerMessage.PolicyReceived policyReceived(Policy policy) {
    PolicyWire.Read read = PolicyWire.fromProto(policy);
    return new ControllerMessage.PolicyReceived(read.policy().withVersion(policy.getVersion()), read.problems());
  }

  public static ControllerMessage.PauseReceived fromProto(PauseUpdate update) {
    Optional<ActivePause> active =
        update.hasActivePause()
            ? Optional.of(
                new ActivePause(
                    instant(update.getActivePause().getStartTime()), instant(update.getActivePause().getEndTime())))
            : Optional.empty();
    return new ControllerMessage.PauseReceived(active, update.getPausesLeftToday());
  }

  /** Drops an exemption whose scope or status this agent cannot read rather than guess at it. */
  public static ControllerMessage.ExemptionsReceived fromProto(ExemptionUpdate update) {
    List<AgentExemption> readable =
        update.getExemptionsList().stream().flatMap(e -> fromProto(e).stream()).toList();
    return new ControllerMessage.ExemptionsReceived(readable);
  }

  public static Optional<AgentExemption> fromProto(Exemption exemption) {
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

  public static io.fleetcontrol.proto.v1.ExemptionScope toProto(ExemptionScope scope) {
    return switch (scope) {
      case FULL -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_FULL;
      case NO_SCREENSHOTS -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS;
      case NO_KEYSTROKES -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_KEYSTROKES;
    };
  }

  public static Optional<ExemptionScope> fromProto(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return switch (scope) {
      case EXEMPTION_SCOPE_FULL -> Optional.of(ExemptionScope.FULL);
      case EXEMPTION_SCOPE_NO_SCREENSHOTS -> Optional.of(ExemptionScope.NO_SCREENSHOTS);
      case EXEMPTION_SCOPE_NO_KEYSTROKES -> Optional.of(ExemptionScope.NO_KEYSTROKES);
      case EXEMPTION_SCOPE_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  public static io.fleetcontrol.proto.v1.ExemptionReason toProto(ExemptionReason reason) {
    return switch (reason) {
      case BANDWIDTH -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BANDWIDTH;
      case SENSITIVE_WORK -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK;
      case BATTERY -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BATTERY;
      case OTHER -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_OTHER;
    };
  }

  /** A reason this agent does not know changes nothing it does, so it shows as OTHER. */
  public static ExemptionReason fromProto(io.fleetcontrol.proto.v1.ExemptionReason reason) {
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
    return TelemetryWire.toProto(sample.toDeviceTelemetry(agentErrors));
  }

  private static com.google.protobuf.Duration duration(Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }

  public static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
