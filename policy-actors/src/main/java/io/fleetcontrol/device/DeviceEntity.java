package io.fleetcontrol.device;

import io.fleetcontrol.journal.JournalFailureBackoff;
import io.fleetcontrol.device.DeviceCommand.*;
import io.fleetcontrol.device.DeviceEvent.*;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.PauseWindow;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.refusal.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One laptop: identity, credential, target and applied policy, pause, exemptions, upload counters
 * ({@link DeviceState}). Only facts are journaled ({@link DeviceEvent}); heartbeats and the open
 * stream live in memory ({@link DeviceReadings}, {@link DeviceStreams}), so the journal grows with
 * what happened, not with time. Pauses and exemptions end by themselves on {@link DeviceTimers}.
 * Policy rules are not here: the entity asks the pure core.
 */
public final class DeviceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<DeviceCommand, DeviceEvent, DeviceState> {

  public static final EntityTypeKey<DeviceCommand> ENTITY_KEY = EntityTypeKey.create(DeviceCommand.class, "Device");

  /** Events are spread over a few tags so the read side can consume them in parallel. */
  public static final List<String> TAGS = List.of("device-0", "device-1", "device-2", "device-3");

  public static void init(ActorSystem<?> system, PresenceDirectory presence, DeviceLifecycle lifecycle, Clock clock) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), presence, lifecycle, clock)));
  }

  public static Behavior<DeviceCommand> create(String deviceId, PresenceDirectory presence, Clock clock) {
    return create(deviceId, presence, DeviceLifecycle.UNOBSERVED, clock);
  }

  public static Behavior<DeviceCommand> create(String deviceId, PresenceDirectory presence, DeviceLifecycle lifecycle,
      Clock clock) {
    return Behaviors.withTimers(timers ->
        new DeviceEntity(deviceId, presence, lifecycle, clock, new DeviceTimers(timers, clock)));
  }

  public static String tagFor(String deviceId) {
    return TAGS.get(Math.floorMod(deviceId.hashCode(), TAGS.size()));
  }

  private final String deviceId;
  private final PresenceDirectory presence;
  private final DeviceLifecycle lifecycle;
  /** When this incarnation started, for the recovery's duration (a restart after a write failure is a new one). */
  private long startedNanos = System.nanoTime();
  /** Whether {@link #lifecycle} counts this entity as running: once per recovery, whatever ends it. */
  private boolean counted;
  private final Clock clock;
  private final DeviceTimers timers;
  private final DeviceStreams streams;
  private final DeviceReadings readings = new DeviceReadings();

  private DeviceEntity(String deviceId, PresenceDirectory presence, DeviceLifecycle lifecycle, Clock clock,
      DeviceTimers timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), deviceId),
        JournalFailureBackoff.strategy());
    this.deviceId = deviceId;
    this.presence = presence;
    this.lifecycle = lifecycle;
    this.clock = clock;
    this.timers = timers;
    this.streams = new DeviceStreams(deviceId);
  }

  @Override
  public DeviceState emptyState() {
    return DeviceState.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(DeviceEvent event) {
    return Set.of(tagFor(deviceId));
  }

  @Override
  public SignalHandler<DeviceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          readings.recovered(state, clock.instant());
          timers.rearm(state);
          if (!counted) {
            counted = true;
            lifecycle.recovered(Duration.ofNanos(System.nanoTime() - startedNanos));
          }
        })
        .onSignal(RecoveryFailed.class, (state, failed) ->
            lifecycle.recoveryFailed(Duration.ofNanos(System.nanoTime() - startedNanos)))
        // A failed write restarts the entity (backoff, then a new recovery) without a PostStop.
        .onSignal(PreRestart.instance(), state -> {
          uncount();
          startedNanos = System.nanoTime();
        })
        .onSignal(PostStop.instance(), state -> {
          presence.forget(deviceId);
          uncount();
        })
        .build();
  }

  private void uncount() {
    if (counted) {
      counted = false;
      lifecycle.stopped();
    }
  }

  /** Every event is persisted here: once it is in the journal, the directory hears of it at once. */
  private EffectBuilder<DeviceEvent, DeviceState> journal(DeviceEvent event) {
    return Effect().persist(event).thenRun(s -> presence.journaled(event));
  }

  // ---- command handlers ----

  /**
   * One method rather than Pekko's handler builder. A builder's cases and their lambdas are made
   * again for every entity, since they capture it: about 2 KB of heap per device, measured with a
   * class histogram at 3,000 devices (BENCHMARKS.md, issue 16).
   */
  @Override
  public CommandHandlerWithReply<DeviceCommand, DeviceEvent, DeviceState> commandHandler() {
    return this::onCommand;
  }

  private ReplyEffect<DeviceEvent, DeviceState> onCommand(DeviceState state, DeviceCommand command) {
    if (!state.isEnrolled()) {
      if (command instanceof Enroll cmd) {
        return onFirstEnroll(state, cmd);
      }
      return command instanceof Request<?> request ? notEnrolled(request) : Effect().noReply();
    }
    if (command instanceof Heartbeat cmd) {
      return onHeartbeat(state, cmd);
    } else if (command instanceof Enroll cmd) {
      return onReenroll(state, cmd);
    } else if (command instanceof ResetDevice cmd) {
      return onReset(state, cmd);
    } else if (command instanceof RevokeDevice cmd) {
      return onRevoke(state, cmd);
    } else if (command instanceof AttachConnection cmd) {
      return onAttach(state, cmd);
    } else if (command instanceof StreamStillOpen cmd) {
      return onStreamStillOpen(state, cmd);
    } else if (command instanceof DetachConnection cmd) {
      streams.detach(cmd.connection());
      return Effect().noReply();
    } else if (command instanceof AssignPolicy cmd) {
      return onAssignPolicy(state, cmd);
    } else if (command instanceof AckPolicy cmd) {
      return onAckPolicy(state, cmd);
    } else if (command instanceof RevertPolicy cmd) {
      return onRevertPolicy(state, cmd);
    } else if (command instanceof AcknowledgeNotice cmd) {
      return onAcknowledgeNotice(state, cmd);
    } else if (command instanceof StartPause cmd) {
      return onStartPause(state, cmd);
    } else if (command instanceof EndPause cmd) {
      return onEndPause(state, cmd);
    } else if (command instanceof PauseTimerFired cmd) {
      return onPauseTimer(state, cmd);
    } else if (command instanceof RequestExemption cmd) {
      return onRequestExemption(state, cmd);
    } else if (command instanceof ApproveExemption cmd) {
      return onApproveExemption(state, cmd);
    } else if (command instanceof DenyExemption cmd) {
      return onDenyExemption(state, cmd);
    } else if (command instanceof RevokeExemption cmd) {
      return onRevokeExemption(state, cmd);
    } else if (command instanceof ExemptionTimerFired cmd) {
      return onExemptionTimer(state, cmd);
    } else if (command instanceof GetSummary cmd) {
      return answer(cmd, state);
    }
    throw new IllegalArgumentException("no handler for " + command.getClass().getName());
  }

  private <R> ReplyEffect<DeviceEvent, DeviceState> notEnrolled(Request<R> request) {
    return refuse(request, new Refusal.NotFound("device " + deviceId + " is not enrolled"));
  }

  private <R> ReplyEffect<DeviceEvent, DeviceState> refuse(Request<R> request, Refusal refusal) {
    return Effect().reply(request.replyTo(), refusal.reply());
  }

  /** Answers with the device's summary, as it is now. */
  private ReplyEffect<DeviceEvent, DeviceState> answer(Request<DeviceSummary> request, DeviceState state) {
    return Effect().reply(request.replyTo(), StatusReply.success(summary(state)));
  }

  private DeviceSummary summary(DeviceState state) {
    return readings.summary(state, clock.instant());
  }

  // -- enrollment and streams --

  private ReplyEffect<DeviceEvent, DeviceState> onFirstEnroll(DeviceState state, Enroll cmd) {
    var enrolled = new DeviceEnrolled(deviceId, cmd.identity(), cmd.credentialHash(), cmd.enrollmentIdHash(),
        cmd.tokenId(), clock.instant(), cmd.initialPolicy());
    return journal(enrolled).thenReply(cmd.replyTo(), s -> StatusReply.success(new EnrollOutcome.Enrolled(false)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onReenroll(DeviceState state, Enroll cmd) {
    Reenrollment step = Reenrollment.of(state.enrollment(), cmd);
    if (!step.makesCredential()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(step.answer()));
    }
    return journal(new DeviceReenrolled(deviceId, step.identity(), cmd.credentialHash(), cmd.enrollmentIdHash(),
            step.tokenId(), clock.instant()))
        .thenRun(s -> streams.supersede())
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new EnrollOutcome.Enrolled(false)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onReset(DeviceState state, ResetDevice cmd) {
    return journal(new DeviceReset(deviceId, cmd.by(), cmd.reason(), clock.instant()))
        .thenRun(s -> streams.withdraw("an admin reset device " + deviceId + "; its credential is no longer valid"))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onRevoke(DeviceState state, RevokeDevice cmd) {
    if (state.credential().status() == DeviceCredential.Status.REVOKED) {
      return answer(cmd, state);
    }
    return journal(new DeviceRevoked(deviceId, cmd.by(), cmd.reason(), clock.instant()))
        .thenRun(s -> streams.withdraw("an admin revoked device " + deviceId))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onAttach(DeviceState state, AttachConnection cmd) {
    if (!state.credential().matches(cmd.credentialHash())) {
      return refuse(cmd, new Refusal.Unauthenticated("the credential is not valid for device " + deviceId));
    }
    streams.attach(cmd.connection());
    readings.seen(clock.instant());
    reportPresence(state);
    pushEverything(state);
    return answer(cmd, state);
  }

  private ReplyEffect<DeviceEvent, DeviceState> onStreamStillOpen(DeviceState state, StreamStillOpen cmd) {
    if (!state.credential().matches(cmd.credentialHash())) {
      streams.refuse(cmd.connection());
    } else if (!streams.isCurrent(cmd.connection())) {
      streams.adopt(cmd.connection());
      pushEverything(state);
      // What the device said while this entity was away is lost; ask for it now.
      streams.push(new AgentPush.HeartbeatWanted(deviceId));
    }
    return Effect().noReply();
  }

  private ReplyEffect<DeviceEvent, DeviceState> onHeartbeat(DeviceState state, Heartbeat cmd) {
    if (cmd.connection() != null && !state.credential().matches(cmd.credentialHash())) {
      // A heartbeat in flight when an admin reset, revoked or re-keyed the device: it must not come back.
      streams.refuse(cmd.connection());
      return Effect().noReply();
    }
    if (!state.credential().isActive()) {
      return Effect().noReply();
    }
    if (cmd.connection() != null && streams.spokeThrough(cmd.connection())) {
      pushEverything(state);
    }
    UploadCounters rollUp = readings.heard(cmd.receivedAt(), cmd.telemetry(), state);
    reportPresence(state);
    return rollUp == null ? Effect().noReply() : journal(new UploadsRolledUp(deviceId, rollUp)).thenNoReply();
  }

  // -- policy --

  private ReplyEffect<DeviceEvent, DeviceState> onAssignPolicy(DeviceState state, AssignPolicy cmd) {
    if (cmd.policy().equals(state.policies().target())) {
      return answer(cmd, state);
    }
    return assign(cmd.policy(), cmd.by(), cmd);
  }

  private ReplyEffect<DeviceEvent, DeviceState> onRevertPolicy(DeviceState state, RevertPolicy cmd) {
    Policy target = state.policies().target();
    boolean onThatVersion = target != null && target.name().equals(cmd.policyName()) && target.version() == cmd.fromVersion();
    if (!onThatVersion || state.policies().previous() == null) {
      return answer(cmd, state);
    }
    return assign(state.policies().previous(), "rollback", cmd);
  }

  private ReplyEffect<DeviceEvent, DeviceState> assign(Policy policy, String by, Request<DeviceSummary> request) {
    return journal(new PolicyAssigned(deviceId, policy, clock.instant(), by))
        .thenRun(this::pushPolicy)
        .thenReply(request.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onAckPolicy(DeviceState state, AckPolicy cmd) {
    if (!cmd.policy().equals(state.policies().targetVersion())) {
      return refuse(cmd, new Refusal.Conflict("policy " + cmd.policy() + " is not the target of device " + deviceId
          + " (target is " + state.policies().targetVersion() + ")"));
    }
    if (cmd.policy().equals(state.policies().applied())) {
      return answer(cmd, state);
    }
    return journal(new PolicyApplied(deviceId, cmd.policy().version(), clock.instant(), cmd.policy().policyName()))
        .thenRun(s -> {
          readings.policyApplied();
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onAcknowledgeNotice(DeviceState state, AcknowledgeNotice cmd) {
    if (state.alreadyTaken(cmd.requestId())) {
      return answer(cmd, state);
    }
    if (!cmd.policy().equals(state.policies().targetVersion())) {
      return refuse(cmd, new Refusal.Conflict("the notice of policy " + cmd.policy() + " is not the one device " + deviceId
          + " must acknowledge (" + state.policies().targetVersion() + ")"));
    }
    if (state.policies().noticeAcknowledged().covers(cmd.policy())) {
      return answer(cmd, state);
    }
    return journal(new NoticeAcknowledged(deviceId, cmd.policy().version(), clock.instant(), cmd.requestId(),
            cmd.policy().policyName()))
        .thenRun(this::reportPresence)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  // -- pause --

  private ReplyEffect<DeviceEvent, DeviceState> onStartPause(DeviceState state, StartPause cmd) {
    if (state.alreadyTaken(cmd.requestId())) {
      return answer(cmd, state);
    }
    Instant now = clock.instant();
    return state.refusePause(cmd.duration(), cmd.requestTime(), now)
        .map(refusal -> refuse(cmd, new Refusal.Conflict(refusal.message())))
        .orElseGet(() -> pause(PauseWindow.of(cmd.requestTime(), cmd.duration(), now), cmd));
  }

  private ReplyEffect<DeviceEvent, DeviceState> pause(PauseWindow window, StartPause cmd) {
    return journal(new PauseStarted(deviceId, window.start(), window.end(), cmd.requestId()))
        .thenRun(s -> {
          timers.pauseEndsAt(s.pause().end());
          pushPause(s);
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onEndPause(DeviceState state, EndPause cmd) {
    if (state.alreadyTaken(cmd.requestId())) {
      return answer(cmd, state);
    }
    if (!state.pause().active()) {
      return refuse(cmd, new Refusal.Conflict("capture is not paused"));
    }
    return endPause(clock.instant(), true, cmd.requestId()).thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onPauseTimer(DeviceState state, PauseTimerFired cmd) {
    if (!state.pause().active()) {
      return Effect().noReply();
    }
    if (clock.instant().isBefore(state.pause().end())) {
      timers.pauseEndsAt(state.pause().end());
      return Effect().noReply();
    }
    return endPause(state.pause().end(), false, null).thenNoReply();
  }

  private EffectBuilder<DeviceEvent, DeviceState> endPause(Instant at, boolean byEmployee, String requestId) {
    return journal(new PauseEnded(deviceId, at, byEmployee, requestId))
        .thenRun(s -> {
          timers.cancelPause();
          pushPause(s);
          reportPresence(s);
        });
  }

  // -- exemptions --

  private ReplyEffect<DeviceEvent, DeviceState> onRequestExemption(DeviceState state, RequestExemption cmd) {
    Optional<ExemptionRecord> created = state.createdBy(cmd.requestId());
    if (created.isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(created.get()));
    }
    Instant now = clock.instant();
    Instant requestTime = cmd.requestTime() == null || cmd.requestTime().isAfter(now) ? now : cmd.requestTime();
    String id = state.exemptions().nextId();
    return state.exemptions().refuseRequest(cmd.scope(), now)
        .map(refusal -> refuse(cmd, refusal))
        .orElseGet(() -> journal(new ExemptionRequested(deviceId, id, cmd.scope(), cmd.reason(), cmd.comment(), requestTime, cmd.requestId()))
            .thenRun(this::pushExemptions)
            .thenReply(cmd.replyTo(), s -> StatusReply.success(s.exemptions().find(id).orElseThrow())));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onApproveExemption(DeviceState state, ApproveExemption cmd) {
    Instant now = clock.instant();
    if (state.exemptions().alreadyDecided(cmd.exemptionId(), ExemptionStatus.APPROVED, cmd.approver())) {
      return answerAsItIs(state, cmd.exemptionId(), cmd);
    }
    return state.exemptions().refuseApproval(deviceId, cmd.exemptionId(), cmd.expireTime(), now)
        .map(refusal -> refuse(cmd, refusal))
        .orElseGet(() -> decide(cmd.exemptionId(),
            new ExemptionApproved(deviceId, cmd.exemptionId(), cmd.expireTime(), cmd.approver(), now), cmd, s -> {
              if (cmd.expireTime() != null) {
                timers.exemptionEndsAt(cmd.exemptionId(), cmd.expireTime());
              }
            }));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onDenyExemption(DeviceState state, DenyExemption cmd) {
    if (state.exemptions().alreadyDecided(cmd.exemptionId(), ExemptionStatus.DENIED, cmd.approver())) {
      return answerAsItIs(state, cmd.exemptionId(), cmd);
    }
    return state.exemptions().refuseDecision(deviceId, cmd.exemptionId())
        .map(refusal -> refuse(cmd, refusal))
        .orElseGet(() -> decide(cmd.exemptionId(),
            new ExemptionDenied(deviceId, cmd.exemptionId(), cmd.reason(), cmd.approver(), clock.instant()), cmd, s -> {}));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onRevokeExemption(DeviceState state, RevokeExemption cmd) {
    return state.exemptions().refuseRevocation(deviceId, cmd.exemptionId(), clock.instant())
        .map(refusal -> refuse(cmd, refusal))
        .orElseGet(() -> decide(cmd.exemptionId(),
            new ExemptionRevoked(deviceId, cmd.exemptionId(), cmd.reason(), cmd.revokedBy(), clock.instant()), cmd,
            s -> timers.cancelExemption(cmd.exemptionId())));
  }

  /** A decision the exemption already carries: answered with it, nothing journaled twice. */
  private ReplyEffect<DeviceEvent, DeviceState> answerAsItIs(
      DeviceState state, String exemptionId, Request<ExemptionRecord> request) {
    return Effect().reply(request.replyTo(), StatusReply.success(state.exemptions().find(exemptionId).orElseThrow()));
  }

  /** Journals a decision on an exemption, tells the agent, and answers with the exemption as it now is. */
  private ReplyEffect<DeviceEvent, DeviceState> decide(
      String exemptionId, DeviceEvent decision, Request<ExemptionRecord> request, Consumer<DeviceState> then) {
    return journal(decision)
        .thenRun(s -> {
          then.accept(s);
          pushExemptions(s);
          reportPresence(s);
        })
        .thenReply(request.replyTo(), s -> StatusReply.success(s.exemptions().find(exemptionId).orElseThrow()));
  }

  private ReplyEffect<DeviceEvent, DeviceState> onExemptionTimer(DeviceState state, ExemptionTimerFired cmd) {
    Optional<Instant> expiry = state.exemptions().expiryOf(cmd.exemptionId());
    if (expiry.isEmpty()) {
      return Effect().noReply();
    }
    if (clock.instant().isBefore(expiry.get())) {
      timers.exemptionEndsAt(cmd.exemptionId(), expiry.get());
      return Effect().noReply();
    }
    return journal(new ExemptionExpired(deviceId, cmd.exemptionId(), expiry.get()))
        .thenRun(s -> {
          pushExemptions(s);
          reportPresence(s);
        })
        .thenNoReply();
  }

  // -- what the agent and the read side are told --

  /** A fresh stream learns everything the device should know. */
  private void pushEverything(DeviceState state) {
    pushPolicy(state);
    pushPause(state);
    pushExemptions(state);
  }

  private void pushPolicy(DeviceState state) {
    if (state.policies().target() != null) {
      streams.push(new AgentPush.PolicyChanged(deviceId, state.policies().target()));
    }
  }

  private void pushPause(DeviceState state) {
    streams.push(new AgentPush.PauseChanged(deviceId, state.pause().start(), state.pause().end(),
        readings.pausesLeftToday(state, clock.instant())));
  }

  private void pushExemptions(DeviceState state) {
    streams.push(new AgentPush.ExemptionsChanged(deviceId, state.exemptions().all()));
  }

  private void reportPresence(DeviceState state) {
    if (readings.lastSeen() != null) {
      presence.heard(deviceId, readings.lastSeen(), readings.decide(state, clock.instant()));
    }
  }

  // ---- event handler ----

  private static DeviceState enrolled(DeviceEnrolled e) {
    DeviceState state = DeviceState.EMPTY.with(new DeviceState.Enrollment(
        e.identity(), DeviceCredential.issued(e.credentialHash(), e.enrollmentIdHash()), e.enrollTime()));
    return e.initialPolicy() == null ? state : state.with(state.policies().assigned(e.initialPolicy()));
  }

  @Override
  public EventHandler<DeviceState, DeviceEvent> eventHandler() {
    return EVENTS;
  }

  /**
   * Built once for all entities: its cases capture nothing of an entity, and a handler built per
   * entity was about 1 KB of heap per device.
   */
  private static final EventHandler<DeviceState, DeviceEvent> EVENTS =
      EventHandlerBuilder.<DeviceState, DeviceEvent>builder()
        .forAnyState()
        .onEvent(DeviceEnrolled.class, (state, e) -> enrolled(e))
        .onEvent(DeviceReenrolled.class, (state, e) -> state.with(new DeviceState.Enrollment(
            e.identity(), DeviceCredential.issued(e.credentialHash(), e.enrollmentIdHash()), state.enrollment().enrollTime())))
        .onEvent(DeviceReset.class, (state, e) -> state.with(state.enrollment().with(DeviceCredential.Status.RESET)))
        .onEvent(DeviceRevoked.class, (state, e) -> state.with(state.enrollment().with(DeviceCredential.Status.REVOKED)))
        .onEvent(PolicyAssigned.class, (state, e) -> state.with(state.policies().assigned(e.policy())))
        .onEvent(PolicyApplied.class, (state, e) ->
            state.with(state.policies().applied(state.policies().named(e.policyName(), e.version()))))
        .onEvent(NoticeAcknowledged.class, (state, e) ->
            state.with(state.policies().acknowledged(state.policies().named(e.policyName(), e.version())))
                .taking(e.requestId(), null))
        .onEvent(PauseStarted.class, (state, e) ->
            state.with(state.pause().started(e.start(), e.end(), state.zone())).taking(e.requestId(), null))
        .onEvent(PauseEnded.class, (state, e) -> state.with(state.pause().ended()).taking(e.requestId(), null))
        .onEvent(ExemptionRequested.class, (state, e) -> state.with(state.exemptions().with(ExemptionRecord.requested(
                e.exemptionId(), e.scope(), e.reason(), e.comment(), e.requestTime())))
            .taking(e.requestId(), e.exemptionId()))
        .onEvent(ExemptionApproved.class, (state, e) -> state.with(state.exemptions().changed(e.exemptionId(),
            x -> x.decided(ExemptionStatus.APPROVED, e.expireTime(), e.approver(), null, e.decideTime()))))
        .onEvent(ExemptionDenied.class, (state, e) -> state.with(state.exemptions().changed(e.exemptionId(),
            x -> x.decided(ExemptionStatus.DENIED, null, e.approver(), e.reason(), e.decideTime()))))
        .onEvent(ExemptionRevoked.class, (state, e) -> state.with(state.exemptions().changed(e.exemptionId(),
            x -> x.decided(ExemptionStatus.REVOKED, x.expireTime(), e.revokedBy(), e.reason(), e.revokeTime()))))
        .onEvent(ExemptionExpired.class, (state, e) -> state.with(state.exemptions().changed(e.exemptionId(),
            x -> x.decided(ExemptionStatus.EXPIRED, x.expireTime(), x.decidedBy(), x.decisionReason(), x.decideTime()))))
        .onEvent(UploadsRolledUp.class, (state, e) -> state.with(e.counters()))
        .build();
}
