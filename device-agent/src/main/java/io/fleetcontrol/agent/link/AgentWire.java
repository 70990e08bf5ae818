package io.fleetcontrol.agent.link;

import io.fleetcontrol.wire.PolicyVersionWire;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionReason;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.EmployeeControls;
import io.fleetcontrol.agent.state.EmployeeRequest;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.wire.WireTime;
import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
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
      Instant sendTime, TelemetrySample sample, int agentErrors, PolicyVersion applied, String agentVersion) {
    return ConnectRequest.newBuilder()
        .setHeartbeat(
            Heartbeat.newBuilder()
                .setSendTime(WireTime.toProto(sendTime))
                .setTelemetry(telemetry(sample, agentErrors))
                .setAppliedPolicy(PolicyVersionWire.toProto(applied))
                .setAgentVersion(agentVersion))
        .build();
  }

  public static ConnectRequest policyAck(String requestId, PolicyVersion policy) {
    return ConnectRequest.newBuilder()
        .setRequestId(requestId)
        .setPolicyAck(PolicyAck.newBuilder().setPolicy(PolicyVersionWire.toProto(policy)))
        .build();
  }

  public static ConnectRequest toProto(EmployeeRequest request) {
    ConnectRequest.Builder envelope = ConnectRequest.newBuilder().setRequestId(request.requestId());
    Timestamp asked = WireTime.toProto(request.askedAt());
    if (request instanceof EmployeeRequest.Pause pause) {
      envelope.setPauseRequest(PauseRequest.newBuilder().setDuration(WireTime.toProto(pause.duration())).setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Resume) {
      envelope.setResumeRequest(ResumeRequest.newBuilder().setRequestTime(asked));
    } else if (request instanceof EmployeeRequest.Exemption exemption) {
      envelope.setExemptionRequest(exemptionRequest(exemption));
    } else if (request instanceof EmployeeRequest.AcknowledgeNotice notice) {
      envelope.setNoticeAcknowledgement(
          NoticeAcknowledgement.newBuilder().setPolicy(PolicyVersionWire.toProto(notice.policy())).setAcknowledgeTime(asked));
    }
    return envelope.build();
  }

  public static ExemptionRequest exemptionRequest(EmployeeRequest.Exemption exemption) {
    return ExemptionRequest.newBuilder()
        .setScope(ExemptionWire.toProto(exemption.scope()))
        .setReason(ExemptionWire.toProto(exemption.reason()))
        .setComment(exemption.comment())
        .setRequestTime(WireTime.toProto(exemption.askedAt()))
        .build();
  }

  /** A request read back from the cache; empty for one this agent cannot read. */
  public static Optional<EmployeeRequest> fromProto(ConnectRequest request) {
    String id = request.getRequestId();
    return switch (request.getMessageCase()) {
      case PAUSE_REQUEST -> Optional.of(new EmployeeRequest.Pause(id,
          WireTime.fromProto(request.getPauseRequest().getRequestTime()),
          WireTime.fromProto(request.getPauseRequest().getDuration())));
      case RESUME_REQUEST -> Optional.of(
          new EmployeeRequest.Resume(id, WireTime.fromProto(request.getResumeRequest().getRequestTime())));
      case EXEMPTION_REQUEST -> {
        ExemptionRequest e = request.getExemptionRequest();
        yield ExemptionWire.fromProto(e.getScope()).map(scope -> new EmployeeRequest.Exemption(
            id, WireTime.fromProto(e.getRequestTime()), scope,
            ExemptionWire.fromProto(e.getReason()).orElse(ExemptionReason.OTHER), e.getComment()));
      }
      case NOTICE_ACKNOWLEDGEMENT -> Optional.of(new EmployeeRequest.AcknowledgeNotice(id,
          WireTime.fromProto(request.getNoticeAcknowledgement().getAcknowledgeTime()),
          PolicyVersionWire.fromProto(request.getNoticeAcknowledgement().getPolicy())));
      default -> Optional.empty();
    };
  }

  // --- the cache on disk ---

  /** What {@link AgentCacheFile} holds, back in domain terms. */
  public record Cached(AgentState state, UploadCounters uploads, List<EmployeeRequest> unsent) {}

  public static AgentCache toCache(String deviceId, AgentState state, UploadCounters uploads, List<EmployeeRequest> unsent) {
    AgentCache.Builder cache = AgentCache.newBuilder()
        .setDeviceId(deviceId)
        .setNoticeAcknowledged(PolicyVersionWire.toProto(state.noticeAcknowledged()))
        .setPausesLeftToday(state.controls().pausesLeftToday().count());
    if (state.policy() != null) {
      cache.setPolicy(PolicyWire.toProto(state.policy()));
    }
    if (state.lastControllerContact() != null) {
      cache.setLastControllerContact(WireTime.toProto(state.lastControllerContact()));
    }
    state.controls().activePause().ifPresent(p -> cache.setControllerPause(pause(p.start(), p.end())));
    state.controls().exemptions().forEach(e -> cache.addExemptions(ExemptionWire.toProto("", e)));
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
        ? Optional.of(new ActivePause(WireTime.fromProto(cache.getControllerPause().getStartTime()),
            WireTime.fromProto(cache.getControllerPause().getEndTime())))
        : Optional.empty();
    List<ExemptionRecord> exemptions =
        cache.getExemptionsList().stream().flatMap(e -> ExemptionWire.fromProto(e).stream()).toList();
    AgentState.LocalPause localPause = cache.getLocalPauseSet()
        ? new AgentState.LocalPause(cache.getLocalPauseRequestId(),
            WireTime.fromProto(cache.getLocalPause().getStartTime()), WireTime.fromProto(cache.getLocalPause().getEndTime()), false)
        : null;
    AgentState state = new AgentState(
        policy,
        cache.hasLastControllerContact() ? WireTime.fromProto(cache.getLastControllerContact()) : null,
        PolicyVersionWire.fromProto(cache.getNoticeAcknowledged()),
        new EmployeeControls(controllerPause, PausesLeft.of(cache.getPausesLeftToday()), exemptions),
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
    return io.fleetcontrol.proto.v1.Pause.newBuilder().setStartTime(WireTime.toProto(start)).setEndTime(WireTime.toProto(end)).build();
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
                    WireTime.fromProto(update.getActivePause().getStartTime()), WireTime.fromProto(update.getActivePause().getEndTime())))
            : Optional.empty();
    return new ControllerMessage.PauseReceived(active, PausesLeft.of(update.getPausesLeftToday()));
  }

  /** Drops an exemption whose scope or status this agent cannot read rather than guess at it. */
  public static ControllerMessage.ExemptionsReceived fromProto(ExemptionUpdate update) {
    List<ExemptionRecord> readable =
        update.getExemptionsList().stream().flatMap(e -> ExemptionWire.fromProto(e).stream()).toList();
    return new ControllerMessage.ExemptionsReceived(readable);
  }

  private static Telemetry telemetry(TelemetrySample sample, int agentErrors) {
    return TelemetryWire.toProto(sample.toDeviceTelemetry(agentErrors));
  }
}
