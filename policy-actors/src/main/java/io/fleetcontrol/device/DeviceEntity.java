package io.fleetcontrol.device;

import io.fleetcontrol.policy.CaptureDecision;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceConditions;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.serialization.CborSerializable;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One laptop: identity, credential, target and applied policy. Only facts are journaled
 * (enrollment, assignments, acks); heartbeats and the open stream live in memory, so the journal
 * grows with what happened, not with time.
 */
public final class DeviceEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        DeviceEntity.Command, DeviceEntity.Event, DeviceEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Device");

  /** Events are spread over a few tags so the read side can consume them in parallel. */
  public static final List<String> TAGS =
      List.of("device-0", "device-1", "device-2", "device-3");

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** Enroll, or re-enroll with a fresh credential; the first enrollment assigns {@code initialPolicy}. */
  public record Enroll(
      DeviceIdentity identity,
      String credentialHash,
      Policy initialPolicy,
      ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  /** An agent stream opened for this device: check its credential, then push to it from now on. */
  public record AttachConnection(
      String credentialHash,
      ActorRef<AgentPush> connection,
      ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  public record DetachConnection(ActorRef<AgentPush> connection) implements Command {}

  /** Fire-and-forget: updates memory only. */
  public record Heartbeat(
      Instant receivedAt, DeviceTelemetry telemetry, long appliedPolicyVersion, String agentVersion)
      implements Command {}

  public record AssignPolicy(Policy policy, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  public record AckPolicy(long version, ActorRef<StatusReply<DeviceSummary>> replyTo)
      implements Command {}

  public record GetSummary(ActorRef<StatusReply<DeviceSummary>> replyTo) implements Command {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {
    String deviceId();
  }

  public record DeviceEnrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, Instant enrollTime)
      implements Event {}

  public record DeviceReenrolled(
      String deviceId, DeviceIdentity identity, String credentialHash, Instant reenrollTime)
      implements Event {}

  public record PolicyAssigned(String deviceId, Policy policy, Instant assignTime)
      implements Event {}

  public record PolicyApplied(String deviceId, long version, Instant applyTime) implements Event {}

  // ---- state ----

  /** Journaled state; {@code identity == null} until the device enrolls. */
  public record State(
      DeviceIdentity identity,
      String credentialHash,
      Instant enrollTime,
      Policy targetPolicy,
      long appliedPolicyVersion)
      implements CborSerializable {

    static final State EMPTY = new State(null, null, null, null, 0);

    boolean isEnrolled() {
      return identity != null;
    }

    long targetVersion() {
      return targetPolicy == null ? 0 : targetPolicy.version();
    }

    /** The policy the device runs: only known when it acked the target. */
    Policy appliedPolicy() {
      return targetPolicy != null && appliedPolicyVersion == targetPolicy.version()
          ? targetPolicy
          : null;
    }
  }

  // ---- wiring ----

  public static void init(ActorSystem<?> system, PresenceDirectory presence, Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), presence, clock)));
  }

  public static Behavior<Command> create(String deviceId, PresenceDirectory presence, Clock clock) {
    return Behaviors.setup(
        ctx ->
            new DeviceEntity(
                deviceId, PersistenceId.of(ENTITY_KEY.name(), deviceId), presence, clock));
  }

  public static String tagFor(String deviceId) {
    return TAGS.get(Math.floorMod(deviceId.hashCode(), TAGS.size()));
  }

  /** How the service hashes a credential secret before it reaches the entity or the journal. */
  public static String hashCredential(String secret) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private final String deviceId;
  private final PresenceDirectory presence;
  private final Clock clock;

  // In memory only: what the open stream reports between facts.
  private ActorRef<AgentPush> connection;
  private Instant lastSeen;
  private DeviceTelemetry latestTelemetry = DeviceTelemetry.UNKNOWN;

  private DeviceEntity(
      String deviceId, PersistenceId persistenceId, PresenceDirectory presence, Clock clock) {
    super(
        persistenceId,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.deviceId = deviceId;
    this.presence = presence;
    this.clock = clock;
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

  // ---- command handlers ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> !state.isEnrolled())
        .onCommand(Enroll.class, this::onFirstEnroll)
        .onCommand(AttachConnection.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(AssignPolicy.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(AckPolicy.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(GetSummary.class, (s, cmd) -> notEnrolled(cmd.replyTo()))
        .onCommand(Heartbeat.class, (s, cmd) -> Effect().noReply())
        .onCommand(DetachConnection.class, (s, cmd) -> Effect().noReply());
    builder
        .forState(State::isEnrolled)
        .onCommand(Enroll.class, this::onReenroll)
        .onCommand(AttachConnection.class, this::onAttach)
        .onCommand(DetachConnection.class, this::onDetach)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(AssignPolicy.class, this::onAssignPolicy)
        .onCommand(AckPolicy.class, this::onAckPolicy)
        .onCommand(
            GetSummary.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(summary(state))));
    return builder.build();
  }

  private ReplyEffect<Event, State> notEnrolled(ActorRef<StatusReply<DeviceSummary>> replyTo) {
    return Effect().reply(replyTo, StatusReply.error("device " + deviceId + " is not enrolled"));
  }

  private ReplyEffect<Event, State> onFirstEnroll(State state, Enroll cmd) {
    Instant now = clock.instant();
    var enrolled = new DeviceEnrolled(deviceId, cmd.identity(), cmd.credentialHash(), now);
    List<Event> events =
        cmd.initialPolicy() == null
            ? List.of(enrolled)
            : List.of(enrolled, new PolicyAssigned(deviceId, cmd.initialPolicy(), now));
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onReenroll(State state, Enroll cmd) {
    // A re-enrolling agent lost its credential (reinstall, wiped disk): the old one stops working.
    return Effect()
        .persist(
            new DeviceReenrolled(deviceId, cmd.identity(), cmd.credentialHash(), clock.instant()))
        .thenRun(s -> closeConnection())
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onAttach(State state, AttachConnection cmd) {
    if (!MessageDigest.isEqual(
        state.credentialHash().getBytes(StandardCharsets.US_ASCII),
        cmd.credentialHash().getBytes(StandardCharsets.US_ASCII))) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.error("the credential is not valid for device " + deviceId));
    }
    if (connection != null && !connection.equals(cmd.connection())) {
      connection.tell(new AgentPush.Superseded(deviceId));
    }
    connection = cmd.connection();
    lastSeen = clock.instant();
    reportPresence(state);
    if (state.targetPolicy() != null) {
      connection.tell(new AgentPush.PolicyChanged(deviceId, state.targetPolicy()));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
  }

  private ReplyEffect<Event, State> onDetach(State state, DetachConnection cmd) {
    if (cmd.connection().equals(connection)) {
      connection = null;
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onHeartbeat(State state, Heartbeat cmd) {
    lastSeen = cmd.receivedAt();
    latestTelemetry = cmd.telemetry();
    reportPresence(state);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onAssignPolicy(State state, AssignPolicy cmd) {
    if (cmd.policy().equals(state.targetPolicy())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new PolicyAssigned(deviceId, cmd.policy(), clock.instant()))
        .thenRun(this::pushPolicy)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onAckPolicy(State state, AckPolicy cmd) {
    if (cmd.version() != state.targetVersion()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  "policy version " + cmd.version() + " is not the target of device " + deviceId
                      + " (target is " + state.targetVersion() + ")"));
    }
    if (cmd.version() == state.appliedPolicyVersion()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
    }
    return Effect()
        .persist(new PolicyApplied(deviceId, cmd.version(), clock.instant()))
        .thenRun(this::reportPresence)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private void pushPolicy(State state) {
    if (connection != null && state.targetPolicy() != null) {
      connection.tell(new AgentPush.PolicyChanged(deviceId, state.targetPolicy()));
    }
  }

  private void closeConnection() {
    if (connection != null) {
      connection.tell(new AgentPush.Superseded(deviceId));
      connection = null;
    }
  }

  private void reportPresence(State state) {
    if (lastSeen != null) {
      presence.heard(deviceId, lastSeen, decide(state).state());
    }
  }

  private Decision decide(State state) {
    return CaptureDecision.captureState(
        state.appliedPolicy(),
        DeviceConditions.basic(state.identity().jurisdiction(), lastSeen),
        clock.instant());
  }

  private DeviceSummary summary(State state) {
    Decision decision = decide(state);
    Policy target = state.targetPolicy();
    return new DeviceSummary(
        state.identity(),
        state.enrollTime(),
        target == null ? "" : target.name(),
        state.targetVersion(),
        state.appliedPolicyVersion(),
        lastSeen,
        decision.state(),
        decision.reason(),
        latestTelemetry);
  }

  // ---- event handler ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            DeviceEnrolled.class,
            (state, e) -> new State(e.identity(), e.credentialHash(), e.enrollTime(), null, 0))
        .onEvent(
            DeviceReenrolled.class,
            (state, e) ->
                new State(
                    e.identity(),
                    e.credentialHash(),
                    state.enrollTime(),
                    state.targetPolicy(),
                    state.appliedPolicyVersion()))
        .onEvent(
            PolicyAssigned.class,
            (state, e) ->
                new State(
                    state.identity(),
                    state.credentialHash(),
                    state.enrollTime(),
                    e.policy(),
                    state.appliedPolicyVersion()))
        .onEvent(
            PolicyApplied.class,
            (state, e) ->
                new State(
                    state.identity(),
                    state.credentialHash(),
                    state.enrollTime(),
                    state.targetPolicy(),
                    e.version()))
        .build();
  }
}
