package io.fleetcontrol.agent.localapi;

import static io.fleetcontrol.agent.localapi.LocalApiServices.captureState;
import static io.fleetcontrol.agent.localapi.LocalApiServices.done;
import static io.fleetcontrol.agent.localapi.LocalApiServices.failedPrecondition;
import static io.fleetcontrol.agent.localapi.LocalApiServices.invalid;

import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.EmployeeRequest;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.PauseCheck;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeRequest;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeResponse;
import io.fleetcontrol.proto.agent.v1.EndPauseRequest;
import io.fleetcontrol.proto.agent.v1.EndPauseResponse;
import io.fleetcontrol.proto.agent.v1.GetPolicyRequest;
import io.fleetcontrol.proto.agent.v1.GetPolicyResponse;
import io.fleetcontrol.proto.agent.v1.GetStatusRequest;
import io.fleetcontrol.proto.agent.v1.GetStatusResponse;
import io.fleetcontrol.proto.agent.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.agent.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.agent.v1.OpenPageRequest;
import io.fleetcontrol.proto.agent.v1.OpenPageResponse;
import io.fleetcontrol.proto.agent.v1.RequestExemptionRequest;
import io.fleetcontrol.proto.agent.v1.RequestExemptionResponse;
import io.fleetcontrol.proto.agent.v1.StartPauseRequest;
import io.fleetcontrol.proto.agent.v1.StartPauseResponse;
import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.TelemetryWire;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * The employee's controls over the agent in this process: what `fleet-agent` shows and does. Served
 * on the employee socket, to the laptop's employee only ({@link EmployeeSocket}), and on the employee
 * page to whoever the socket gave a sign-in link ({@link EmployeePage}). Bad input is
 * refused with INVALID_ARGUMENT naming the field, before anything changes.
 */
public final class EmployeeApi {

  /** How long an employee's request waits for the controller before the answer says "on reconnect". */
  static final Duration CONTROLLER_ANSWER_WAIT = Duration.ofSeconds(3);

  private final DeviceAgent agent;
  private final PageSignIn pageSignIn;

  /** Without an employee page: open_page is refused. */
  public EmployeeApi(DeviceAgent agent) {
    this(agent, new PageSignIn(Clock.systemUTC()));
  }

  /** With the sign-in of the employee page that {@code pageSignIn} is given to, when one is served. */
  public EmployeeApi(DeviceAgent agent, PageSignIn pageSignIn) {
    this.agent = agent;
    this.pageSignIn = pageSignIn;
  }

  public CompletionStage<GetStatusResponse> getStatus(GetStatusRequest in) {
    Instant now = Instant.now();
    AgentState state = agent.state();
    Decision decision = agent.gate().captureState();
    UploadCounters uploads = agent.gate().uploads();
    boolean connected = agent.status() == LinkStatus.CONNECTED;
    GetStatusResponse.Builder out = GetStatusResponse.newBuilder()
        .setDeviceId(agent.deviceId())
        .setOwner(agent.settings().identity().owner())
        .setCaptureState(captureState(decision))
        .setReason(decision.reason())
        .setConnection(agent.status().name().toLowerCase(java.util.Locale.ROOT))
        .setPausesLeftToday(state.controls().pausesLeftToday().count())
        .setUnsentRequests(agent.unansweredRequests().size())
        .setTelemetry(TelemetryWire.toProto(agent.gate().telemetry()))
        .setUploadedBytesToday(uploads.bytesToday())
        .setUploadedBytesThisMonth(uploads.bytesThisMonth())
        .setTimeZone(agent.settings().identity().timeZone())
        .setJurisdiction(agent.settings().identity().jurisdiction())
        .setLastProblem(agent.lastProblem());
    Instant contact = connected ? now : state.lastControllerContact();
    if (contact != null) {
      out.setLastControllerContact(WireTime.toProto(contact));
    }
    Policy policy = state.policy();
    if (policy != null) {
      out.setPolicyName(policy.name()).setPolicyVersion(policy.version());
      if (contact != null) {
        out.setOfflineLimitTime(WireTime.toProto(contact.plus(policy.offlineLimit())));
      }
      if (policy.requiresNotice() && !state.noticeAcknowledged().covers(policy.policyVersion())) {
        out.setPendingNotice(policy.noticeText());
      }
    }
    state.pauseAt(now).ifPresent(p -> out.setActivePause(AgentWire.pause(p.start(), p.end())));
    return done(out.build());
  }

  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in) {
    AgentState state = agent.state();
    UploadCounters uploads = agent.gate().uploads();
    GetPolicyResponse.Builder out = GetPolicyResponse.newBuilder()
        .setUploadedBytesToday(uploads.bytesToday())
        .setUploadedBytesThisMonth(uploads.bytesThisMonth())
        .setPausesLeftToday(state.controls().pausesLeftToday().count())
        .setTimeZone(agent.settings().identity().timeZone());
    if (state.policy() != null) {
      out.setPolicy(PolicyWire.toProto(state.policy()));
    }
    state.controls().exemptions().forEach(e -> out.addExemptions(ExemptionWire.toProto("", e)));
    return done(out.build());
  }

  public CompletionStage<StartPauseResponse> startPause(StartPauseRequest in) {
    if (!in.hasDuration()) {
      throw invalid("duration: say how long to pause, e.g. 30m");
    }
    if (!WireTime.isValid(in.getDuration())) {
      throw invalid("duration: not a valid duration (seconds " + in.getDuration().getSeconds() + ", nanos "
          + in.getDuration().getNanos() + ")");
    }
    Duration duration = WireTime.fromProto(in.getDuration());
    Policy policy = agent.state().policy();
    // Today's count as last told may be yesterday's: the controller checks it.
    Optional<PauseCheck.Refusal> refusal = PauseCheck.check(policy == null ? null : policy.pause(), null,
        agent.activePause().map(ActivePause::end).orElse(null), duration);
    if (refusal.isPresent()) {
      throw refusal.get().rule().badRequest()
          ? invalid("duration: " + refusal.get().message())
          : failedPrecondition(refusal.get().message());
    }
    CompletionStage<RequestOutcome> outcome = agent.requestPause(duration);
    return answered(outcome).thenApply(answer -> {
      if (answer.isPresent() && !answer.get().accepted()) {
        throw failedPrecondition(answer.get().message());
      }
      StartPauseResponse.Builder out = StartPauseResponse.newBuilder().setConfirmed(answer.isPresent());
      agent.activePause().ifPresent(p -> out.setPause(AgentWire.pause(p.start(), p.end())));
      out.setMessage(answer.isPresent()
          ? "the controller recorded the pause"
          : out.hasPause()
              ? "paused on this laptop; the controller has not confirmed it yet and is told as soon as it can be"
              : "asked; the controller decides as soon as it is reached");
      return out.build();
    });
  }

  public CompletionStage<EndPauseResponse> endPause(EndPauseRequest in) {
    if (agent.activePause().isEmpty()) {
      throw failedPrecondition("capture is not paused");
    }
    return answered(agent.requestResume()).thenApply(answer -> {
      if (answer.isPresent() && !answer.get().accepted()) {
        throw failedPrecondition(answer.get().message());
      }
      return EndPauseResponse.newBuilder()
          .setConfirmed(answer.isPresent())
          .setMessage(answer.isPresent()
              ? "the controller recorded the resume"
              : "resumed on this laptop; the controller is told as soon as it can be")
          .build();
    });
  }

  public CompletionStage<RequestExemptionResponse> requestExemption(RequestExemptionRequest in) {
    ExemptionScope scope = ExemptionWire.fromProto(in.getScope())
        .orElseThrow(() -> invalid("scope: choose FULL, NO_SCREENSHOTS or NO_KEYSTROKES"));
    ExemptionReason reason = ExemptionWire.fromProto(in.getReason())
        .orElseThrow(() -> invalid("reason: choose BANDWIDTH, SENSITIVE_WORK, BATTERY or OTHER"));
    if (in.getComment().length() > 500) {
      throw invalid("comment: at most 500 characters, got " + in.getComment().length());
    }
    CompletionStage<RequestOutcome> outcome =
        agent.requestExemption(scope, reason, in.getComment());
    return answered(outcome).thenApply(answer -> {
      if (answer.isPresent() && !answer.get().accepted()) {
        throw failedPrecondition(answer.get().message());
      }
      return RequestExemptionResponse.newBuilder()
          .setConfirmed(answer.isPresent())
          .setMessage(answer.isPresent()
              ? "requested; an approver decides"
              : "kept on this laptop; it goes to the approvers as soon as the controller is reached")
          .build();
    });
  }

  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in) {
    ListExemptionsResponse.Builder out = ListExemptionsResponse.newBuilder();
    agent.state().controls().exemptions().forEach(e -> out.addExemptions(ExemptionWire.toProto("", e)));
    agent.unansweredRequests().stream()
        .filter(r -> r instanceof EmployeeRequest.Exemption)
        .forEach(r -> out.addUnsent(AgentWire.exemptionRequest((EmployeeRequest.Exemption) r)));
    return done(out.build());
  }

  public CompletionStage<AcknowledgeNoticeResponse> acknowledgeNotice(AcknowledgeNoticeRequest in) {
    Policy policy = agent.state().policy();
    if (policy == null || !policy.requiresNotice()) {
      throw failedPrecondition("there is no notice to acknowledge");
    }
    if (in.getPolicyVersion() != policy.version()) {
      throw invalid("policy_version: the notice in force is that of version " + policy.version()
          + ", not " + in.getPolicyVersion());
    }
    return answered(agent.acknowledgeNotice(policy.policyVersion())).thenApply(answer -> {
      if (answer.isPresent() && !answer.get().accepted()) {
        throw failedPrecondition(answer.get().message());
      }
      return AcknowledgeNoticeResponse.newBuilder()
          .setConfirmed(answer.isPresent())
          .setMessage(answer.isPresent()
              ? "acknowledged"
              : "acknowledged on this laptop; the controller is told as soon as it can be")
          .build();
    });
  }

  /** A one-time link into the employee page: only the employee reaches this call, so only the employee gets one. */
  public CompletionStage<OpenPageResponse> openPage(OpenPageRequest in) {
    String url = pageSignIn.newLink().orElseThrow(() ->
        failedPrecondition("the employee page is turned off (fleet.agent.page.enabled)"));
    return done(OpenPageResponse.newBuilder().setUrl(url).build());
  }

  /** The controller's answer if it comes soon; empty when the agent is offline or the controller is slow. */
  private static CompletionStage<Optional<RequestOutcome>> answered(CompletionStage<RequestOutcome> outcome) {
    return outcome.toCompletableFuture()
        .thenApply(Optional::of)
        .completeOnTimeout(Optional.empty(), CONTROLLER_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          throw new GrpcServiceException(Status.UNAVAILABLE.withDescription(
              failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage()));
        });
  }
}
