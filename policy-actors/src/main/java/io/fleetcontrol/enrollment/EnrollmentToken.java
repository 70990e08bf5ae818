package io.fleetcontrol.enrollment;

import io.fleetcontrol.journal.JournalFailureBackoff;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.serialization.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One admin-issued enrollment token: its secret's hash, how many devices it may enroll and until
 * when, and which devices it enrolled. One entity per token, so two nodes can never both spend the
 * last use. A spend is remembered by device and enrollment id: an agent that retries the same
 * enrollment spends nothing more.
 */
public final class EnrollmentToken
    extends EventSourcedBehaviorWithEnforcedReplies<
        EnrollmentToken.Command, EnrollmentToken.Event, EnrollmentToken.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "EnrollmentToken");
  /** The read side's audit trail follows token changes by this tag. */
  public static final String TAG = "enrollment-token";

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  public record Create(Terms terms, String secretHash, String by, ActorRef<StatusReply<View>> replyTo)
      implements Command {}

  /**
   * Spend one use for each request whose secret matches, in order, as one journal write: a node
   * sends the enrollments that queued while its previous batch was being written (TokenSpends), so
   * an enrollment storm costs one write per batch, not per device.
   */
  public record Spend(List<SpendRequest> requests, ActorRef<SpendOutcomes> replyTo) implements Command {}

  /** One enrollment's use: {@code deviceId}'s enrollment {@code enrollmentIdHash}, with the token's secret hash. */
  public record SpendRequest(String secretHash, String deviceId, String enrollmentIdHash) implements CborSerializable {}

  /** One outcome per request, in order. */
  public record SpendOutcomes(List<SpendOutcome> outcomes) implements CborSerializable {}

  /** The enrollment the use was spent on was refused by the device: the use comes back. */
  public record Refund(String deviceId, String enrollmentIdHash) implements Command {}

  public record Revoke(String by, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** What an admin set when creating the token. */
  public record Terms(int maxUses, Instant expireTime, Map<String, String> labels, String jurisdiction)
      implements CborSerializable {
    public Terms {
      labels = Map.copyOf(labels);
    }
  }

  /** A token as admins see it (never the secret). */
  public record View(String tokenId, Terms terms, int used, Instant createTime, String createdBy,
      boolean revoked, String revokedBy) implements CborSerializable {}

  /** Typed, so the edge maps refusals without reading words. Named on the wire: a list holds both kinds. */
  @com.fasterxml.jackson.annotation.JsonTypeInfo(use = com.fasterxml.jackson.annotation.JsonTypeInfo.Id.NAME)
  @com.fasterxml.jackson.annotation.JsonSubTypes({
      @com.fasterxml.jackson.annotation.JsonSubTypes.Type(value = Granted.class, name = "granted"),
      @com.fasterxml.jackson.annotation.JsonSubTypes.Type(value = Refused.class, name = "refused")})
  public sealed interface SpendOutcome extends CborSerializable {}

  /**
   * The device may enroll; it gets the token's labels and jurisdiction. {@code newSpend}: this call
   * spent the use (false: the same enrollment paid before), so only such a use may be refunded.
   */
  public record Granted(Map<String, String> labels, String jurisdiction, boolean newSpend) implements SpendOutcome {}

  public record Refused(Reason reason) implements SpendOutcome {}

  public enum Reason { UNKNOWN, EXPIRED, REVOKED, USED_UP }

  // ---- events ----

  public sealed interface Event extends CborSerializable {
    String tokenId();
  }

  public record TokenCreated(String tokenId, Terms terms, String secretHash, String createdBy, Instant createTime)
      implements Event {}

  public record TokenSpent(String tokenId, String deviceId, String enrollmentIdHash, Instant spendTime)
      implements Event {}

  public record TokenRefunded(String tokenId, String deviceId, String enrollmentIdHash) implements Event {}

  public record TokenRevoked(String tokenId, String revokedBy, Instant revokeTime) implements Event {}

  // ---- state ----

  /**
   * {@code spends}: a key (see spendKey) for every enrollment the token paid for. The entity adds
   * to and removes from this set in place: copying it for every spend cost a fleet-wide token
   * O(n²) (10^10 copied keys for 100,000 uses). Safe because the state never leaves the actor but
   * as a snapshot, and {@link #snapshotAdapter} hands the snapshot store a copy of its own.
   */
  public record State(TokenCreated created, Set<String> spends, String revokedBy) implements CborSerializable {
    static final State EMPTY = new State(null, Set.of(), null);

    boolean exists() {
      return created != null;
    }

    State spent(String spend) {
      spends.add(spend);
      return this;
    }

    State refunded(String spend) {
      spends.remove(spend);
      return this;
    }

    /** A copy the entity's later spends do not change: what a snapshot store may serialize at leisure. */
    State frozen() {
      return new State(created, Set.copyOf(spends), revokedBy);
    }

    /** The entity's own working copy of a state read back from a snapshot. */
    State thawed() {
      return new State(created, new HashSet<>(spends), revokedBy);
    }

    View view() {
      return new View(created.tokenId(), created.terms(), spends.size(), created.createTime(), created.createdBy(),
          revokedBy != null, revokedBy);
    }
  }

  // ---- wiring ----

  public static void init(ActorSystem<?> system, Clock clock) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), clock)));
  }

  public static EntityRef<Command> ref(ActorSystem<?> system, String tokenId) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, tokenId);
  }

  public static Behavior<Command> create(String tokenId, Clock clock) {
    return new EnrollmentToken(tokenId, clock);
  }

  private final String tokenId;
  private final Clock clock;

  private EnrollmentToken(String tokenId, Clock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), tokenId),
        JournalFailureBackoff.strategy());
    this.tokenId = tokenId;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  /**
   * A snapshot holds every spend key (~25 bytes each), so one every 100 spends wrote ~1.25 GB over
   * a 100,000-use token's life; every 1,000 writes a tenth of that, and a recovery replays at most
   * 1,000 small events.
   */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  static final int SNAPSHOT_EVERY = 1000;

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return state.frozen();
      }

      @Override
      public State fromJournal(Object from) {
        return ((State) from).thawed();
      }
    };
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();
    builder.forState(state -> !state.exists())
        .onCommand(Create.class, this::onCreate)
        .onCommand(Spend.class, (s, cmd) -> Effect().reply(cmd.replyTo(), new SpendOutcomes(
            cmd.requests().stream().<SpendOutcome>map(r -> new Refused(Reason.UNKNOWN)).toList())))
        .onCommand(Refund.class, (s, cmd) -> Effect().noReply())
        .onCommand(Revoke.class, (s, cmd) -> unknown(cmd.replyTo()))
        .onCommand(Get.class, (s, cmd) -> unknown(cmd.replyTo()));
    builder.forState(State::exists)
        .onCommand(Create.class, (s, cmd) ->
            Effect().reply(cmd.replyTo(), new Refusal.AlreadyExists("enrollment token " + tokenId + " already exists").reply()))
        .onCommand(Spend.class, this::onSpend)
        .onCommand(Refund.class, this::onRefund)
        .onCommand(Revoke.class, this::onRevoke)
        .onCommand(Get.class, (s, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(s.view())));
    return builder.build();
  }

  private ReplyEffect<Event, State> unknown(ActorRef<StatusReply<View>> replyTo) {
    return Effect().reply(replyTo, new Refusal.NotFound("enrollment token " + tokenId + " does not exist").reply());
  }

  private ReplyEffect<Event, State> onCreate(State state, Create cmd) {
    return Effect()
        .persist(new TokenCreated(tokenId, cmd.terms(), cmd.secretHash(), cmd.by(), clock.instant()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.view()));
  }

  private ReplyEffect<Event, State> onSpend(State state, Spend cmd) {
    Terms terms = state.created().terms();
    Instant now = clock.instant();
    List<SpendOutcome> outcomes = new ArrayList<>();
    List<Event> spent = new ArrayList<>();
    Set<String> spentNow = new HashSet<>();
    for (SpendRequest request : cmd.requests()) {
      outcomes.add(decide(state, terms, now, request, spentNow, spent));
    }
    if (spent.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new SpendOutcomes(outcomes));
    }
    return Effect().persist(spent).thenReply(cmd.replyTo(), s -> new SpendOutcomes(outcomes));
  }

  /** One request of a batch; {@code spentNow} and {@code spent} hold what earlier requests of it spent. */
  private SpendOutcome decide(State state, Terms terms, Instant now, SpendRequest request, Set<String> spentNow,
      List<Event> spent) {
    // A wrong secret reads as an unknown token: a guesser learns nothing about which ids exist.
    if (!MessageDigest.isEqual(state.created().secretHash().getBytes(StandardCharsets.US_ASCII),
        request.secretHash().getBytes(StandardCharsets.US_ASCII))) {
      return new Refused(Reason.UNKNOWN);
    }
    String spend = spendKey(request.deviceId(), request.enrollmentIdHash());
    // The same enrollment again is answered as before, even once the token expired or was revoked:
    // an agent whose answer got lost must get its credential.
    if (state.spends().contains(spend) || spentNow.contains(spend)) {
      return new Granted(terms.labels(), terms.jurisdiction(), false);
    }
    if (state.revokedBy() != null) {
      return new Refused(Reason.REVOKED);
    }
    if (!now.isBefore(terms.expireTime())) {
      return new Refused(Reason.EXPIRED);
    }
    if (state.spends().size() + spentNow.size() >= terms.maxUses()) {
      return new Refused(Reason.USED_UP);
    }
    spentNow.add(spend);
    spent.add(new TokenSpent(tokenId, request.deviceId(), request.enrollmentIdHash(), now));
    return new Granted(terms.labels(), terms.jurisdiction(), true);
  }

  private ReplyEffect<Event, State> onRefund(State state, Refund cmd) {
    if (!state.spends().contains(spendKey(cmd.deviceId(), cmd.enrollmentIdHash()))) {
      return Effect().noReply();
    }
    return Effect().persist(new TokenRefunded(tokenId, cmd.deviceId(), cmd.enrollmentIdHash())).thenNoReply();
  }

  private ReplyEffect<Event, State> onRevoke(State state, Revoke cmd) {
    if (state.revokedBy() != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view()));
    }
    return Effect()
        .persist(new TokenRevoked(tokenId, cmd.by(), clock.instant()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.view()));
  }

  /** 16 bytes of a SHA-256 of both, so a 100,000-use token's state stays a few MB. */
  private static String spendKey(String deviceId, String enrollmentIdHash) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest((deviceId + " " + enrollmentIdHash).getBytes(StandardCharsets.UTF_8));
      return java.util.Base64.getEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TokenCreated.class, (state, e) -> new State(e, new HashSet<>(), null))
        .onEvent(TokenSpent.class, (state, e) -> state.spent(spendKey(e.deviceId(), e.enrollmentIdHash())))
        .onEvent(TokenRefunded.class, (state, e) -> state.refunded(spendKey(e.deviceId(), e.enrollmentIdHash())))
        .onEvent(TokenRevoked.class, (state, e) -> new State(state.created(), state.spends(), e.revokedBy()))
        .build();
  }
}
