package io.fleetcontrol.device;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.policy.CaptureDecision;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceConditions;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.HealthRollup;
import io.fleetcontrol.policy.PauseCheck;
import io.fleetcontrol.policy.PauseWindow;
import io.fleetcontrol.policy.PauseQuota;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.serialization.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One laptop: identity, credential, target and applied policy, pause, exemptions, upload
 * counters. Only facts are journaled (enrollment, assignments, acks, pauses, exemption decisions,
 * an upload roll-up now and then); heartbeats and the open stream live in memory, so the journal
 * grows with what happened, not with time. Pauses and exemptions end by themselves on timers that
 * are set again after every recovery. Policy rules are not here: the entity asks the pure core.
 */
public final class DeviceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        DeviceEntity.Command, DeviceEntity.Event, DeviceEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Device");

  /** Events are spread over a few tags so the read side can consume them in parallel. */
  public static final List<String> TAGS =
      List.of("device-0", "device-1", "device-2", "device-3");

  /** Upload counters are journaled at most this often, unless a cap is crossed. */
  static final Duration UPLOAD_ROLLUP_INTERVAL = Duration.ofMinutes(10);

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /**
   * Enroll. The first enrollment assigns {@code initialPolicy}. Once enrolled, only the same
   * enrollment again ({@code enrollmentIdHash}), a re-key ({@code presentedCredentialHash}: the hash
   * of the current credential, which the edge checked) or an admin's reset lets a credential be made;
   * {@code credentialHash} is the hash of the new one (the entity and the journal hold no more).
   * anything else is {@link EnrollOutcome.AlreadyEnrolled}. {@code tokenId}: the enrollment token
   * spent, for the audit trail (null for a re-key).
   */
  public record Enroll(
      DeviceIdentity identity,
      String enrollmentIdHash,
      String credentialHash,
      String presentedCredentialHash,
      String tokenId,
      Policy initialPolicy,
      ActorRef<StatusReply<EnrollOutcome>> replyTo)
      implements Command {}

  /** An admin lets this id enroll again (a new laptop, a wiped disk): the old credential is refused. */
  public record ResetDevice(String by, String reason, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  /** An admin cuts this device off: its stream closes, its credential and enrollments are refused. */
  public record RevokeDevice(String by, String reason, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  /** An agent stream opened for this device: check its credential, then push to it from now on. */
  public record AttachConnection(
      String credentialHash,
      ActorRef<AgentPush> connection,
      ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  public record DetachConnection(ActorRef<AgentPush> connection) implements Command {}

  /**
   * The node holding this device's stream says it is still open. Sent after a node left the
   * cluster: this entity may have started afresh elsewhere and not know the stream, and the
   * device's heartbeats told to the old node were lost.
   */
  public record StreamStillOpen(ActorRef<AgentPush> connection, String credentialHash) implements Command {}

  /**
   * Fire-and-forget: updates memory only (and now and then an upload roll-up). {@code connection}
   * is the stream it came through: an entity that started afresh on another node after its old
   * node died (the stream itself lives on) learns from it where to push again, but only while
   * {@code credentialHash}, the credential the stream opened with, is still the device's.
   */
  public record Heartbeat(
      Instant receivedAt,
      DeviceTelemetry telemetry,
      PolicyVersion appliedPolicy,
      String agentVersion,
      ActorRef<AgentPush> connection,
      String credentialHash)
      implements Command {

    public Heartbeat(Instant receivedAt, DeviceTelemetry telemetry, PolicyVersion appliedPolicy, String agentVersion) {
      this(receivedAt, telemetry, appliedPolicy, agentVersion, null, null);
    }
  }

  /** {@code by}: who assigned it, for the audit trail (an admin's name, "rollout <id>"). */
  public record AssignPolicy(Policy policy, String by, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  public record AckPolicy(PolicyVersion policy, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  /**
   * A rollout's rollback: if the device's target is still {@code policyName} v{@code fromVersion},
   * it goes back to the policy it had before. Anything else changes nothing, so a rollback can be
   * repeated after a restart without moving a device twice.
   */
  public record RevertPolicy(String policyName, long fromVersion, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  /*
   * The employee's requests carry the agent's request id (null: none). An agent whose stream dropped
   * before the answer sends the same request again with the same id; a request already taken is
   * answered again and not done twice.
   */

  public record AcknowledgeNotice(String requestId, PolicyVersion policy, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {
    public AcknowledgeNotice(PolicyVersion policy, ActorRef<StatusReply<DeviceSummary>> replyTo) {
      this(null, policy, replyTo);
    }
  }

  /** The employee pauses; {@code requestTime} may be in the past when the pause was made offline. */
  public record StartPause(
      String requestId, Duration duration, Instant requestTime, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {
    public StartPause(Duration duration, Instant requestTime, ActorRef<StatusReply<DeviceSummary>> replyTo) {
      this(null, duration, requestTime, replyTo);
    }
  }

  public record EndPause(String requestId, ActorRef<StatusReply<DeviceSummary>> replyTo) implements Command {
    public EndPause(ActorRef<StatusReply<DeviceSummary>> replyTo) {
      this(null, replyTo);
    }
  }

  public record RequestExemption(
      String requestId,
      ExemptionScope scope,
      ExemptionReason reason,
      String comment,
      Instant requestTime,
      ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Command {
    public RequestExemption(ExemptionScope scope, ExemptionReason reason, String comment,
        Instant requestTime, ActorRef<StatusReply<ExemptionRecord>> replyTo) {
      this(null, scope, reason, comment, requestTime, replyTo);
    }
  }

  public record ApproveExemption(
      String exemptionId, Instant expireTime, String approver, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Command {}

  public record DenyExemption(
      String exemptionId, String reason, String approver, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Command {}

  public record RevokeExemption(
      String exemptionId, String reason, String revokedBy, ActorRef<StatusReply<ExemptionRecord>> replyTo)
      implements Command {}

  public record GetSummary(ActorRef<StatusReply<DeviceSummary>> replyTo) implements Command {}

  /** From the entity's own timers. */
  record PauseTimerFired() implements Command {}

  record ExemptionTimerFired(String exemptionId) implements Command {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {
    String deviceId();
  }

  /** {@code tokenId}: the enrollment token it spent. */
  public record DeviceEnrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, String enrollmentIdHash,
      String tokenId, Instant enrollTime)
      implements Event {}

  /** A new credential for an enrolled id: a re-key ({@code tokenId == null}) or an enrollment after a reset. */
  public record DeviceReenrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, String enrollmentIdHash,
      String tokenId, Instant reenrollTime)
      implements Event {}

  public record DeviceReset(String deviceId, String by, String reason, Instant resetTime) implements Event {}

  public record DeviceRevoked(String deviceId, String by, String reason, Instant revokeTime) implements Event {}

  /** {@code assignedBy}: an admin, "rollout <id>", "rollback" or "system"; null in events written before it was kept. */
  public record PolicyAssigned(String deviceId, Policy policy, Instant assignTime, String assignedBy)
      implements Event {}

  /** {@code policyName}: null in events written before it was kept (the target's name then). */
  public record PolicyApplied(String deviceId, long version, Instant applyTime, String policyName) implements Event {}

  /**
   * {@code requestId}: the agent's request behind it; null for events before ids were kept.
   * {@code policyName}: null in events written before it was kept (the target's name then).
   */
  public record NoticeAcknowledged(
      String deviceId, long version, Instant acknowledgeTime, String requestId, String policyName)
      implements Event {}

  public record PauseStarted(String deviceId, Instant start, Instant end, String requestId) implements Event {}

  /** {@code byEmployee}: resumed by hand; otherwise it ran out on time (and {@code requestId} is null). */
  public record PauseEnded(String deviceId, Instant endTime, boolean byEmployee, String requestId)
      implements Event {}

  public record ExemptionRequested(
      String deviceId,
      String exemptionId,
      ExemptionScope scope,
      ExemptionReason reason,
      String comment,
      Instant requestTime,
      String requestId)
      implements Event {}

  public record ExemptionApproved(
      String deviceId, String exemptionId, Instant expireTime, String approver, Instant decideTime)
      implements Event {}

  public record ExemptionDenied(
      String deviceId, String exemptionId, String reason, String approver, Instant decideTime)
      implements Event {}

  public record ExemptionRevoked(
      String deviceId, String exemptionId, String reason, String revokedBy, Instant revokeTime)
      implements Event {}

  public record ExemptionExpired(String deviceId, String exemptionId, Instant expireTime)
      implements Event {}

  public record UploadsRolledUp(String deviceId, UploadCounters counters) implements Event {}

  // ---- state ----

  /** An agent request the entity took; {@code exemptionId} is set when it created an exemption. */
  public record TakenRequest(String requestId, String exemptionId) implements CborSerializable {}

  /** Journaled state; {@code identity == null} until the device enrolls. */
  public record State(
      DeviceIdentity identity,
      DeviceCredential credential,
      Instant enrollTime,
      Policy targetPolicy,
      PolicyVersion appliedPolicyVersion,
      PolicyVersion noticeAcknowledgedVersion,
      Instant pauseStart,
      Instant pauseEnd,
      PauseQuota pauseQuota,
      List<ExemptionRecord> exemptions,
      UploadCounters uploads,
      List<TakenRequest> recentRequests,
      Policy previousPolicy)
      implements CborSerializable {

    /** How many of the agent's request ids the entity remembers: far more than a dropped stream re-sends. */
    static final int REMEMBERED_REQUESTS = 64;

    static final State EMPTY =
        new State(null, null, null, null, PolicyVersion.NONE, PolicyVersion.NONE, null, null, PauseQuota.EMPTY, List.of(), UploadCounters.EMPTY,
            List.of(), null);

    public State {
      // Snapshots from before request ids were kept have none.
      recentRequests = recentRequests == null ? List.of() : List.copyOf(recentRequests);
      // Snapshots from before this credential state: as if reset (see activeCredential).
      if (identity != null && credential == null) {
        credential = new DeviceCredential(null, null, DeviceCredential.Status.RESET);
      }
    }

    Optional<TakenRequest> taken(String requestId) {
      if (requestId == null || requestId.isEmpty()) {
        return Optional.empty();
      }
      return recentRequests.stream().filter(r -> r.requestId().equals(requestId)).findFirst();
    }

    State withTaken(String requestId, String exemptionId) {
      if (requestId == null || requestId.isEmpty()) {
        return this;
      }
      List<TakenRequest> next = new ArrayList<>(recentRequests);
      next.add(new TakenRequest(requestId, exemptionId));
      if (next.size() > REMEMBERED_REQUESTS) {
        next.subList(0, next.size() - REMEMBERED_REQUESTS).clear();
      }
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, exemptions, uploads, next, previousPolicy);
    }

    boolean isEnrolled() {
      return identity != null;
    }

    PolicyVersion targetVersion() {
      return targetPolicy == null ? PolicyVersion.NONE : targetPolicy.policyVersion();
    }

    ZoneId zone() {
      return ZoneId.of(identity.timeZone());
    }

    /** The policy the device runs: only known when it acked the target. */
    Policy appliedPolicy() {
      return targetPolicy != null && appliedPolicyVersion.equals(targetPolicy.policyVersion()) ? targetPolicy : null;
    }

    PauseRules pauseRules() {
      return targetPolicy == null ? PauseRules.DEFAULT : targetPolicy.pause();
    }

    boolean pauseActive() {
      return pauseEnd != null;
    }

    Optional<ExemptionRecord> exemption(String id) {
      return exemptions.stream().filter(e -> e.exemptionId().equals(id)).findFirst();
    }

    State withIdentity(DeviceIdentity newIdentity, DeviceCredential newCredential) {
      return new State(newIdentity, newCredential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, exemptions, uploads, recentRequests, previousPolicy);
    }

    /** A new target; the one it replaces is kept so a rollout can put the device back on it. */
    State withCredential(DeviceCredential.Status status) {
      return withIdentity(identity, credential.with(status));
    }

    State withAssigned(Policy target) {
      Policy previous = targetPolicy != null && !targetPolicy.equals(target) ? targetPolicy : previousPolicy;
      return new State(identity, credential, enrollTime, target, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, exemptions, uploads, recentRequests, previous);
    }

    State withPolicy(Policy target, PolicyVersion applied) {
      return new State(identity, credential, enrollTime, target, applied,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, exemptions, uploads, recentRequests, previousPolicy);
    }

    State withNotice(PolicyVersion version) {
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          version, pauseStart, pauseEnd, pauseQuota, exemptions, uploads, recentRequests, previousPolicy);
    }

    State withPause(Instant start, Instant end, PauseQuota quota) {
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, start, end, quota, exemptions, uploads, recentRequests, previousPolicy);
    }

    State withExemption(String id, UnaryOperator<ExemptionRecord> change) {
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota,
          exemptions.stream().map(e -> e.exemptionId().equals(id) ? change.apply(e) : e).toList(),
          uploads, recentRequests, previousPolicy);
    }

    State withNewExemption(ExemptionRecord record) {
      List<ExemptionRecord> next = new ArrayList<>(exemptions);
      next.add(record);
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, List.copyOf(next), uploads, recentRequests, previousPolicy);
    }

    State withUploads(UploadCounters counters) {
      return new State(identity, credential, enrollTime, targetPolicy, appliedPolicyVersion,
          noticeAcknowledgedVersion, pauseStart, pauseEnd, pauseQuota, exemptions, counters, recentRequests, previousPolicy);
    }
  }

  // ---- wiring ----

  public static void init(ActorSystem<?> system, PresenceDirectory presence, Clock clock) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), presence, clock)));
  }

  public static Behavior<Command> create(String deviceId, PresenceDirectory presence, Clock clock) {
    return Behaviors.withTimers(
        timers ->
            new DeviceEntity(
                deviceId, PersistenceId.of(ENTITY_KEY.name(), deviceId), presence, clock, timers));
  }

  public static String tagFor(String deviceId) {
    return TAGS.get(Math.floorMod(deviceId.hashCode(), TAGS.size()));
  }

  /** How the service hashes a secret (an agent's enrollment id) before it reaches the entity or the journal. */
  public static String hashSecret(String secret) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static final String PAUSE_TIMER = "pause";

  private final String deviceId;
  private final PresenceDirectory presence;
  private final Clock clock;
  private final TimerScheduler<Command> timers;

  // In memory only: where to push, and what the open stream reports between facts.
  private final DeviceStreams streams;
  private Instant lastSeen;
  private DeviceTelemetry latestTelemetry = DeviceTelemetry.UNKNOWN;
  private HealthRollup health = HealthRollup.EMPTY;
  private UploadCounters liveUploads;
  private Instant lastUploadRollup;

  private DeviceEntity(
      String deviceId,
      PersistenceId persistenceId,
      PresenceDirectory presence,
      Clock clock,
      TimerScheduler<Command> timers) {
    super(
        persistenceId,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.deviceId = deviceId;
    this.presence = presence;
    this.clock = clock;
    this.timers = timers;
    this.streams = new DeviceStreams(deviceId);
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tagFor(deviceId));
  }

  /** After recovery: set the timers again; what ended while we were down ends now. */
  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          liveUploads = state.uploads();
          lastUploadRollup = clock.instant();
          if (state.pauseActive()) {
            schedule(PAUSE_TIMER, new PauseTimerFired(), state.pauseEnd());
          }
          state.exemptions().stream()
              .filter(e -> e.status() == ExemptionStatus.APPROVED && e.expireTime() != null)
              .forEach(e -> schedule(exemptionTimer(e.exemptionId()),
                  new ExemptionTimerFired(e.exemptionId()), e.expireTime()));
        })
        .build();
  }

  private void schedule(String key, Command command, Instant at) {
    timers.startSingleTimer(key, command, timerDelay(clock.instant(), at));
  }

  /** Timers wait at most a day; the handlers check the time and re-arm until it is really due. */
  static final Duration LONGEST_TIMER = Duration.ofDays(1);

  /**
   * How long a timer for {@code at} waits: never negative, never past {@link #LONGEST_TIMER}, since
   * Pekko refuses delays past about 248 days (an exemption approved for a year would fail the entity).
   */
  static Duration timerDelay(Instant now, Instant at) {
    Duration delay = Duration.between(now, at);
    if (delay.isNegative()) {
      return Duration.ZERO;
    }
    return delay.compareTo(LONGEST_TIMER) > 0 ? LONGEST_TIMER : delay;
  }

  private static String exemptionTimer(String exemptionId) {
    return "exemption-" + exemptionId;
  }

  // ---- command handlers ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> !state.isEnrolled())
        .onCommand(Enroll.class, this::onFirstEnroll)
        .onCommand(AttachConnection.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(StreamStillOpen.class, (s, cmd) -> Effect().noReply())
        .onCommand(AssignPolicy.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(AckPolicy.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(RevertPolicy.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(AcknowledgeNotice.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(StartPause.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(EndPause.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(RequestExemption.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(ApproveExemption.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(DenyExemption.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(RevokeExemption.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(GetSummary.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(ResetDevice.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(RevokeDevice.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(Heartbeat.class, (s, cmd) -> Effect().noReply())
        .onCommand(DetachConnection.class, (s, cmd) -> Effect().noReply())
        .onCommand(PauseTimerFired.class, (s, cmd) -> Effect().noReply())
        .onCommand(ExemptionTimerFired.class, (s, cmd) -> Effect().noReply());
    builder
        .forState(State::isEnrolled)
        .onCommand(Enroll.class, this::onReenroll)
        .onCommand(ResetDevice.class, this::onReset)
        .onCommand(RevokeDevice.class, this::onRevoke)
        .onCommand(AttachConnection.class, this::onAttach)
        .onCommand(StreamStillOpen.class, this::onStreamStillOpen)
        .onCommand(DetachConnection.class, this::onDetach)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(AssignPolicy.class, this::onAssignPolicy)
        .onCommand(AckPolicy.class, this::onAckPolicy)
        .onCommand(RevertPolicy.class, this::onRevertPolicy)
        .onCommand(AcknowledgeNotice.class, this::onAcknowledgeNotice)
        .onCommand(StartPause.class, this::onStartPause)
        .onCommand(EndPause.class, this::onEndPause)
        .onCommand(PauseTimerFired.class, this::onPauseTimer)
        .onCommand(RequestExemption.class, this::onRequestExemption)
        .onCommand(ApproveExemption.class, this::onApproveExemption)
        .onCommand(DenyExemption.class, this::onDenyExemption)
        .onCommand(RevokeExemption.class, this::onRevokeExemption)
        .onCommand(ExemptionTimerFired.class, this::onExemptionTimer)
        .onCommand(
            GetSummary.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(summary(state))));
    return builder.build();
  }

  private <T> ReplyEffect<Event, State> notEnrolled(ActorRef<StatusReply<T>> replyTo) {
    return Effect().reply(replyTo, new Refusal.NotFound("device " + deviceId + " is not enrolled").reply());
  }

  private <T> ReplyEffect<Event, State> refuse(ActorRef<StatusReply<T>> replyTo, String why) {
    return refuse(replyTo, new Refusal.Conflict(why));
  }

  private <T> ReplyEffect<Event, State> refuse(ActorRef<StatusReply<T>> replyTo, Refusal refusal) {
    return Effect().reply(replyTo, refusal.reply());
  }

  // -- enrollment and streams --

  private ReplyEffect<Event, State> onFirstEnroll(State state, Enroll cmd) {
    Instant now = clock.instant();
    var enrolled = new DeviceEnrolled(deviceId, cmd.identity(), cmd.credentialHash(), cmd.enrollmentIdHash(),
        cmd.tokenId(), now);
    List<Event> events =
        cmd.initialPolicy() == null
            ? List.of(enrolled)
            : List.of(enrolled, new PolicyAssigned(deviceId, cmd.initialPolicy(), now, "system"));
    return Effect().persist(events).thenReply(cmd.replyTo(),
        s -> StatusReply.success(new EnrollOutcome.Enrolled(false)));
  }

  /**
   * An enrolled id. The same enrollment again gets the same credential (an agent retrying after a
   * timeout must not rotate it under itself); a re-key or an enrollment after an admin's reset gets a
   * new one and the old stops working; anyone else is refused, and the live agent never notices.
   */
  private ReplyEffect<Event, State> onReenroll(State state, Enroll cmd) {
    DeviceCredential current = state.credential();
    switch (current.status()) {
      case REVOKED -> {
        return Effect().reply(cmd.replyTo(), StatusReply.success(new EnrollOutcome.Revoked()));
      }
      case ACTIVE -> {
        if (current.sameEnrollment(cmd.enrollmentIdHash())) {
          if (current.matches(cmd.credentialHash())) {
            return Effect().reply(cmd.replyTo(), StatusReply.success(new EnrollOutcome.Enrolled(true)));
          }
          // The same enrollment, but its credential derives differently: the deployment changed its
          // key. The agent that holds the enrollment id gets the credential under the new key.
          return newCredential(state.identity(), cmd, cmd.tokenId());
        }
        if (!current.matches(cmd.presentedCredentialHash())) {
          return Effect().reply(cmd.replyTo(), StatusReply.success(new EnrollOutcome.AlreadyEnrolled()));
        }
        // A re-key changes the credential, not who the device is: labels and jurisdiction a token
        // set stay; only the agent's version is news.
        DeviceIdentity kept = state.identity();
        DeviceIdentity identity = new DeviceIdentity(kept.deviceId(), kept.owner(), kept.jurisdiction(),
            kept.labels(), cmd.identity().agentVersion(), kept.timeZone());
        return newCredential(identity, cmd, null);
      }
      default -> {
        // Reset: a new enrollment with a token takes the id. Neither the old credential nor the
        // enrollment the admin reset away brings the old laptop back.
        if (cmd.tokenId() == null) {
          return Effect().reply(cmd.replyTo(), StatusReply.success(new EnrollOutcome.AlreadyEnrolled()));
        }
        if (current.sameEnrollment(cmd.enrollmentIdHash())) {
          return Effect().reply(cmd.replyTo(), StatusReply.success(new EnrollOutcome.Retired()));
        }
        return newCredential(cmd.identity(), cmd, cmd.tokenId());
      }
    }
  }

  private ReplyEffect<Event, State> newCredential(DeviceIdentity identity, Enroll cmd, String tokenId) {
    return Effect()
        .persist(new DeviceReenrolled(deviceId, identity, cmd.credentialHash(), cmd.enrollmentIdHash(), tokenId,
            clock.instant()))
        .thenRun(s -> streams.supersede())
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new EnrollOutcome.Enrolled(false)));
  }

  private ReplyEffect<Event, State> onReset(State state, ResetDevice cmd) {
    return Effect()
        .persist(new DeviceReset(deviceId, cmd.by(), cmd.reason(), clock.instant()))
        .thenRun(s -> streams.withdraw("an admin reset device " + deviceId + "; its credential is no longer valid"))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onRevoke(State state, RevokeDevice cmd) {
    if (state.credential().status() == DeviceCredential.Status.REVOKED) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new DeviceRevoked(deviceId, cmd.by(), cmd.reason(), clock.instant()))
        .thenRun(s -> streams.withdraw("an admin revoked device " + deviceId))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onAttach(State state, AttachConnection cmd) {
    if (!state.credential().matches(cmd.credentialHash())) {
      return refuse(cmd.replyTo(), new Refusal.Unauthenticated("the credential is not valid for device " + deviceId));
    }
    streams.attach(cmd.connection());
    lastSeen = clock.instant();
    reportPresence(state);
    // A fresh stream learns everything the device should know.
    pushPolicy(state);
    pushPause(state);
    pushExemptions(state);
    return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
  }

  private ReplyEffect<Event, State> onStreamStillOpen(State state, StreamStillOpen cmd) {
    if (!state.credential().matches(cmd.credentialHash())) {
      cmd.connection().tell(new AgentPush.CredentialWithdrawn(deviceId, "the credential of device " + deviceId + " is no longer valid"));
      return Effect().noReply();
    }
    if (!streams.isCurrent(cmd.connection())) {
      adopt(state, cmd.connection());
      // What the device said while this entity was away is lost; ask for it now.
      streams.push(new AgentPush.HeartbeatWanted(deviceId));
    }
    return Effect().noReply();
  }

  /** Push to {@code stream} from now on, and tell it everything, as on attach: a push may have gone astray. */
  private void adopt(State state, ActorRef<AgentPush> stream) {
    streams.adopt(stream);
    pushPolicy(state);
    pushPause(state);
    pushExemptions(state);
  }

  private ReplyEffect<Event, State> onDetach(State state, DetachConnection cmd) {
    streams.detach(cmd.connection());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onHeartbeat(State state, Heartbeat cmd) {
    if (cmd.connection() != null && !state.credential().matches(cmd.credentialHash())) {
      // A stream opened with a credential that is no longer the device's (reset, revoked, re-keyed),
      // e.g. a heartbeat in flight when an admin cut it off: it must not come back.
      cmd.connection().tell(new AgentPush.CredentialWithdrawn(deviceId, "the credential of device " + deviceId + " is no longer valid"));
      return Effect().noReply();
    }
    if (!state.credential().isActive()) {
      return Effect().noReply();
    }
    if (cmd.connection() != null && !streams.isCurrent(cmd.connection())) {
      // The agent speaks through this stream now, and pushes go where it speaks. Either this entity
      // started after the stream attached (its node went down) or a late attach from a stream the
      // agent gave up took its place.
      adopt(state, cmd.connection());
    } else if (cmd.connection() != null) {
      // The newest stream is alive: the one it replaced can go.
      streams.currentIsAlive();
    }
    lastSeen = cmd.receivedAt();
    latestTelemetry = cmd.telemetry();
    health = health.add(cmd.receivedAt(), cmd.telemetry());
    UploadCounters before = liveUploads.asOf(lastSeen, state.zone());
    liveUploads = before.add(Math.max(0, cmd.telemetry().uploadedBytesDelta()), lastSeen, state.zone());
    reportPresence(state);
    if (rollUpDue(state, before)) {
      lastUploadRollup = lastSeen;
      return Effect().persist(new UploadsRolledUp(deviceId, liveUploads)).thenNoReply();
    }
    return Effect().noReply();
  }

  /** Journal the counters now and then, and at once when they cross a cap (a state change). */
  private boolean rollUpDue(State state, UploadCounters before) {
    if (liveUploads.equals(state.uploads())) {
      return false;
    }
    boolean stale = lastUploadRollup == null
        || Duration.between(lastUploadRollup, lastSeen).compareTo(UPLOAD_ROLLUP_INTERVAL) >= 0;
    Policy policy = state.targetPolicy();
    if (policy == null) {
      return stale;
    }
    return stale || liveUploads.crossedACapSince(before, policy.bandwidth());
  }

  // -- policy --

  private ReplyEffect<Event, State> onAssignPolicy(State state, AssignPolicy cmd) {
    if (cmd.policy().equals(state.targetPolicy())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new PolicyAssigned(deviceId, cmd.policy(), clock.instant(), cmd.by()))
        .thenRun(this::pushPolicy)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onRevertPolicy(State state, RevertPolicy cmd) {
    Policy target = state.targetPolicy();
    boolean onThatVersion = target != null && target.name().equals(cmd.policyName())
        && target.version() == cmd.fromVersion();
    if (!onThatVersion || state.previousPolicy() == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new PolicyAssigned(deviceId, state.previousPolicy(), clock.instant(), "rollback"))
        .thenRun(this::pushPolicy)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onAckPolicy(State state, AckPolicy cmd) {
    if (!cmd.policy().equals(state.targetVersion())) {
      return refuse(cmd.replyTo(), "policy " + cmd.policy() + " is not the target of device "
          + deviceId + " (target is " + state.targetVersion() + ")");
    }
    if (cmd.policy().equals(state.appliedPolicyVersion())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new PolicyApplied(deviceId, cmd.policy().version(), clock.instant(), cmd.policy().policyName()))
        .thenRun(s -> {
          // Health from here on belongs to the new version: a rollout compares it with the rest.
          health = HealthRollup.EMPTY;
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onAcknowledgeNotice(State state, AcknowledgeNotice cmd) {
    if (state.taken(cmd.requestId()).isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    if (!cmd.policy().equals(state.targetVersion())) {
      return refuse(cmd.replyTo(), "the notice of policy " + cmd.policy()
          + " is not the one device " + deviceId + " must acknowledge (" + state.targetVersion() + ")");
    }
    if (state.noticeAcknowledgedVersion().covers(cmd.policy())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new NoticeAcknowledged(
            deviceId, cmd.policy().version(), clock.instant(), cmd.requestId(), cmd.policy().policyName()))
        .thenRun(this::reportPresence)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  // -- pause --

  private ReplyEffect<Event, State> onStartPause(State state, StartPause cmd) {
    if (state.taken(cmd.requestId()).isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    Instant now = clock.instant();
    // Today's count is that of the day the employee asked (a pause made offline counts then).
    Instant asked = PauseWindow.askedStart(cmd.requestTime(), now);
    Optional<PauseCheck.Refusal> refusal = PauseCheck.check(state.pauseRules(),
        state.pauseQuota().pausesLeft(state.pauseRules(), asked, state.zone()), state.pauseEnd(), cmd.duration());
    if (refusal.isPresent()) {
      return refuse(cmd.replyTo(), refusal.get().message());
    }
    PauseWindow window = PauseWindow.of(cmd.requestTime(), cmd.duration(), now);
    return Effect()
        .persist(new PauseStarted(deviceId, window.start(), window.end(), cmd.requestId()))
        .thenRun(s -> {
          schedule(PAUSE_TIMER, new PauseTimerFired(), s.pauseEnd());
          pushPause(s);
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onEndPause(State state, EndPause cmd) {
    if (state.taken(cmd.requestId()).isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    if (!state.pauseActive()) {
      return refuse(cmd.replyTo(), "capture is not paused");
    }
    return endPause(clock.instant(), true, cmd.requestId())
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onPauseTimer(State state, PauseTimerFired cmd) {
    if (!state.pauseActive()) {
      return Effect().noReply();
    }
    Instant now = clock.instant();
    if (now.isBefore(state.pauseEnd())) {
      schedule(PAUSE_TIMER, new PauseTimerFired(), state.pauseEnd());
      return Effect().noReply();
    }
    return endPause(state.pauseEnd(), false, null).thenNoReply();
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> endPause(
      Instant at, boolean byEmployee, String requestId) {
    return Effect()
        .persist(new PauseEnded(deviceId, at, byEmployee, requestId))
        .thenRun(s -> {
          timers.cancel(PAUSE_TIMER);
          pushPause(s);
          reportPresence(s);
        });
  }

  // -- exemptions --

  private ReplyEffect<Event, State> onRequestExemption(State state, RequestExemption cmd) {
    Optional<ExemptionRecord> created =
        state.taken(cmd.requestId()).flatMap(taken -> state.exemption(taken.exemptionId()));
    if (created.isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(created.get()));
    }
    boolean alreadyOpen = state.exemptions().stream().anyMatch(e -> e.scope() == cmd.scope()
        && (e.status() == ExemptionStatus.REQUESTED || e.inForceAt(clock.instant())));
    if (alreadyOpen) {
      return refuse(cmd.replyTo(), "an exemption of scope " + cmd.scope() + " is already requested or in force");
    }
    String id = "ex-" + (state.exemptions().size() + 1);
    Instant requestTime = cmd.requestTime() == null || cmd.requestTime().isAfter(clock.instant())
        ? clock.instant() : cmd.requestTime();
    return Effect()
        .persist(new ExemptionRequested(deviceId, id, cmd.scope(), cmd.reason(), cmd.comment(), requestTime,
            cmd.requestId()))
        .thenRun(this::pushExemptions)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.exemption(id).orElseThrow()));
  }

  private ReplyEffect<Event, State> onApproveExemption(State state, ApproveExemption cmd) {
    Instant now = clock.instant();
    Optional<Refusal> refusal = decidable(state, cmd.exemptionId());
    if (refusal.isPresent()) {
      return refuse(cmd.replyTo(), refusal.get());
    }
    if (cmd.expireTime() != null && !cmd.expireTime().isAfter(now)) {
      return refuse(cmd.replyTo(), "the expiry " + cmd.expireTime() + " is not in the future");
    }
    return Effect()
        .persist(new ExemptionApproved(deviceId, cmd.exemptionId(), cmd.expireTime(), cmd.approver(), now))
        .thenRun(s -> {
          if (cmd.expireTime() != null) {
            schedule(exemptionTimer(cmd.exemptionId()), new ExemptionTimerFired(cmd.exemptionId()),
                cmd.expireTime());
          }
          pushExemptions(s);
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.exemption(cmd.exemptionId()).orElseThrow()));
  }

  private ReplyEffect<Event, State> onDenyExemption(State state, DenyExemption cmd) {
    Optional<Refusal> refusal = decidable(state, cmd.exemptionId());
    if (refusal.isPresent()) {
      return refuse(cmd.replyTo(), refusal.get());
    }
    return Effect()
        .persist(new ExemptionDenied(deviceId, cmd.exemptionId(), cmd.reason(), cmd.approver(), clock.instant()))
        .thenRun(this::pushExemptions)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.exemption(cmd.exemptionId()).orElseThrow()));
  }

  private ReplyEffect<Event, State> onRevokeExemption(State state, RevokeExemption cmd) {
    Optional<ExemptionRecord> exemption = state.exemption(cmd.exemptionId());
    if (exemption.isEmpty()) {
      return refuse(cmd.replyTo(), unknownExemption(cmd.exemptionId()));
    }
    if (!exemption.get().inForceAt(clock.instant())) {
      return refuse(cmd.replyTo(), "exemption " + cmd.exemptionId() + " is not in force (it is "
          + exemption.get().status() + ")");
    }
    return Effect()
        .persist(new ExemptionRevoked(deviceId, cmd.exemptionId(), cmd.reason(), cmd.revokedBy(), clock.instant()))
        .thenRun(s -> {
          timers.cancel(exemptionTimer(cmd.exemptionId()));
          pushExemptions(s);
          reportPresence(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.exemption(cmd.exemptionId()).orElseThrow()));
  }

  private ReplyEffect<Event, State> onExemptionTimer(State state, ExemptionTimerFired cmd) {
    Optional<ExemptionRecord> exemption = state.exemption(cmd.exemptionId());
    if (exemption.isEmpty() || exemption.get().status() != ExemptionStatus.APPROVED
        || exemption.get().expireTime() == null) {
      return Effect().noReply();
    }
    if (clock.instant().isBefore(exemption.get().expireTime())) {
      schedule(exemptionTimer(cmd.exemptionId()), cmd, exemption.get().expireTime());
      return Effect().noReply();
    }
    return Effect()
        .persist(new ExemptionExpired(deviceId, cmd.exemptionId(), exemption.get().expireTime()))
        .thenRun(s -> {
          pushExemptions(s);
          reportPresence(s);
        })
        .thenNoReply();
  }

  /** Only a requested exemption can be approved or denied, once. */
  private Optional<Refusal> decidable(State state, String exemptionId) {
    Optional<ExemptionRecord> exemption = state.exemption(exemptionId);
    if (exemption.isEmpty()) {
      return Optional.of(unknownExemption(exemptionId));
    }
    if (exemption.get().status() != ExemptionStatus.REQUESTED) {
      return Optional.of(new Refusal.Conflict("exemption " + exemptionId + " was already decided (it is "
          + exemption.get().status() + ")"));
    }
    return Optional.empty();
  }

  private Refusal unknownExemption(String exemptionId) {
    return new Refusal.NotFound("device " + deviceId + " has no exemption " + exemptionId);
  }

  // -- pushes and views --

  private void pushPolicy(State state) {
    if (state.targetPolicy() != null) {
      streams.push(new AgentPush.PolicyChanged(deviceId, state.targetPolicy()));
    }
  }

  private void pushPause(State state) {
    streams.push(new AgentPush.PauseChanged(deviceId, state.pauseStart(), state.pauseEnd(), pausesLeftToday(state)));
  }

  private void pushExemptions(State state) {
    streams.push(new AgentPush.ExemptionsChanged(deviceId, state.exemptions()));
  }

  private PausesLeft pausesLeftToday(State state) {
    return state.pauseQuota().pausesLeft(state.pauseRules(), clock.instant(), state.zone());
  }

  private void reportPresence(State state) {
    if (lastSeen != null) {
      presence.heard(deviceId, lastSeen, decide(state));
    }
  }

  private Decision decide(State state) {
    Instant now = clock.instant();
    UploadCounters uploads = currentUploads(state).asOf(now, state.zone());
    List<Exemption> inForce = state.exemptions().stream()
        .filter(e -> e.status() == ExemptionStatus.APPROVED)
        .map(e -> new Exemption(e.exemptionId(), e.scope(), e.expireTime()))
        .toList();
    var conditions = new DeviceConditions(
        state.identity().jurisdiction(),
        state.zone(),
        lastSeen,
        state.noticeAcknowledgedVersion(),
        state.pauseEnd(),
        inForce,
        latestTelemetry,
        uploads.bytesToday(),
        uploads.bytesThisMonth());
    return CaptureDecision.captureState(state.appliedPolicy(), conditions, now);
  }

  private UploadCounters currentUploads(State state) {
    return liveUploads == null ? state.uploads() : liveUploads;
  }

  private DeviceSummary summary(State state) {
    Decision decision = decide(state);
    Policy target = state.targetPolicy();
    UploadCounters uploads = currentUploads(state).asOf(clock.instant(), state.zone());
    return new DeviceSummary(
        state.identity(),
        state.enrollTime(),
        state.targetVersion(),
        state.appliedPolicyVersion(),
        lastSeen,
        decision.state(),
        decision.reason(),
        latestTelemetry,
        state.pauseStart(),
        state.pauseEnd(),
        pausesLeftToday(state),
        state.exemptions(),
        uploads.bytesToday(),
        uploads.bytesThisMonth(),
        health.summary(clock.instant()),
        state.pauseQuota().pausesTaken(clock.instant(), state.zone()),
        state.credential().status());
  }

  /**
   * Events written before agents had enrollment ids carry none: such a device is as if reset, and
   * its agent's next enrollment with a token takes the id again.
   */
  private static DeviceCredential activeCredential(String credentialHash, String enrollmentIdHash) {
    return new DeviceCredential(credentialHash, enrollmentIdHash,
        credentialHash == null || enrollmentIdHash == null ? DeviceCredential.Status.RESET : DeviceCredential.Status.ACTIVE);
  }

  // ---- event handler ----

  /** A version from an event; events written before the name was kept meant the target then. */
  private static PolicyVersion named(String policyName, long version, State state) {
    String name = policyName != null ? policyName : state.targetVersion().policyName();
    return new PolicyVersion(name, version);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(DeviceEnrolled.class, (state, e) ->
            new State(e.identity(), activeCredential(e.credentialHash(), e.enrollmentIdHash()), e.enrollTime(),
                null, PolicyVersion.NONE, PolicyVersion.NONE, null, null, PauseQuota.EMPTY, List.of(), UploadCounters.EMPTY,
                List.of(), null))
        .onEvent(DeviceReenrolled.class, (state, e) ->
            state.withIdentity(e.identity(), activeCredential(e.credentialHash(), e.enrollmentIdHash())))
        .onEvent(DeviceReset.class, (state, e) -> state.withCredential(DeviceCredential.Status.RESET))
        .onEvent(DeviceRevoked.class, (state, e) -> state.withCredential(DeviceCredential.Status.REVOKED))
        .onEvent(PolicyAssigned.class, (state, e) -> state.withAssigned(e.policy()))
        .onEvent(PolicyApplied.class, (state, e) -> state.withPolicy(state.targetPolicy(), named(e.policyName(), e.version(), state)))
        .onEvent(NoticeAcknowledged.class, (state, e) -> state.withNotice(named(e.policyName(), e.version(), state)).withTaken(e.requestId(), null))
        .onEvent(PauseStarted.class, (state, e) ->
            state.withPause(e.start(), e.end(), state.pauseQuota().recordPause(e.start(), state.zone()))
                .withTaken(e.requestId(), null))
        .onEvent(PauseEnded.class, (state, e) ->
            state.withPause(null, null, state.pauseQuota()).withTaken(e.requestId(), null))
        .onEvent(ExemptionRequested.class, (state, e) -> state.withNewExemption(
            new ExemptionRecord(e.exemptionId(), e.scope(), e.reason(), e.comment(),
                ExemptionStatus.REQUESTED, e.requestTime(), null, null, null, null))
            .withTaken(e.requestId(), e.exemptionId()))
        .onEvent(ExemptionApproved.class, (state, e) -> state.withExemption(e.exemptionId(),
            x -> x.decided(ExemptionStatus.APPROVED, e.expireTime(), e.approver(), null, e.decideTime())))
        .onEvent(ExemptionDenied.class, (state, e) -> state.withExemption(e.exemptionId(),
            x -> x.decided(ExemptionStatus.DENIED, null, e.approver(), e.reason(), e.decideTime())))
        .onEvent(ExemptionRevoked.class, (state, e) -> state.withExemption(e.exemptionId(),
            x -> x.decided(ExemptionStatus.REVOKED, x.expireTime(), e.revokedBy(), e.reason(), e.revokeTime())))
        .onEvent(ExemptionExpired.class, (state, e) -> state.withExemption(e.exemptionId(),
            x -> new ExemptionRecord(x.exemptionId(), x.scope(), x.reason(), x.comment(),
                ExemptionStatus.EXPIRED, x.requestTime(), x.expireTime(), x.decidedBy(),
                x.decisionReason(), x.decideTime())))
        .onEvent(UploadsRolledUp.class, (state, e) -> state.withUploads(e.counters()))
        .build();
  }
}
