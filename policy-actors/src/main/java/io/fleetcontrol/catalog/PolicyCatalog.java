package io.fleetcontrol.catalog;

import io.fleetcontrol.journal.JournalFailureBackoff;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * Every policy and every version of it, ever. Policies are few (tens), so one entity holds them
 * all and listing needs no read side. Versions are assigned here and only grow; none is deleted.
 * The documents it accepts were validated at the edge (PolicyValidator) before they get here.
 */
public final class PolicyCatalog
    extends EventSourcedBehaviorWithEnforcedReplies<
        PolicyCatalog.Command, PolicyCatalog.Event, PolicyCatalog.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "PolicyCatalog");
  /** The one catalog of this deployment. */
  public static final String CATALOG_ID = "catalog";

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  /** A new policy name; version 1. Refused if the name exists. */
  public record CreatePolicy(Policy draft, String author, ActorRef<StatusReply<Policy>> replyTo)
      implements Command {}

  /** The next version of an existing policy. Refused if the name is unknown. */
  public record UpdatePolicy(Policy draft, String author, ActorRef<StatusReply<Policy>> replyTo)
      implements Command {}

  /** Version 0 means the latest. */
  public record GetPolicy(String name, long version, ActorRef<StatusReply<Policy>> replyTo)
      implements Command {}

  /** The latest version of each policy, by name. */
  public record ListPolicies(ActorRef<StatusReply<PolicyList>> replyTo) implements Command {}

  public record PolicyList(List<Policy> latest) implements CborSerializable {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record PolicyVersionCreated(Policy policy, String author, Instant createTime)
      implements Event {}

  // ---- state ----

  public record State(Map<String, List<Policy>> versionsByName) implements CborSerializable {

    static final State EMPTY = new State(Map.of());

    Optional<Policy> find(String name, long version) {
      List<Policy> versions = versionsByName.getOrDefault(name, List.of());
      if (versions.isEmpty()) {
        return Optional.empty();
      }
      return version == 0
          ? Optional.of(versions.get(versions.size() - 1))
          : versions.stream().filter(p -> p.version() == version).findFirst();
    }

    long latestVersion(String name) {
      return find(name, 0).map(Policy::version).orElse(0L);
    }

    State with(Policy policy) {
      Map<String, List<Policy>> next = new HashMap<>(versionsByName);
      List<Policy> versions = new ArrayList<>(next.getOrDefault(policy.name(), List.of()));
      versions.add(policy);
      next.put(policy.name(), List.copyOf(versions));
      return new State(Map.copyOf(next));
    }
  }

  // ---- wiring ----

  public static void init(ActorSystem<?> system, Clock clock) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), clock)));
  }

  public static EntityRef<Command> ref(ActorSystem<?> system) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, CATALOG_ID);
  }

  public static Behavior<Command> create(String id, Clock clock) {
    return new PolicyCatalog(PersistenceId.of(ENTITY_KEY.name(), id), clock);
  }

  private final Clock clock;

  private PolicyCatalog(PersistenceId persistenceId, Clock clock) {
    super(
        persistenceId,
        JournalFailureBackoff.strategy());
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  /** The read side's audit trail follows policy changes by this tag. */
  public static final String TAG = "policy";

  @Override
  public java.util.Set<String> tagsFor(Event event) {
    return java.util.Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(20, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(CreatePolicy.class, this::onCreate)
        .onCommand(UpdatePolicy.class, this::onUpdate)
        .onCommand(GetPolicy.class, this::onGet)
        .onCommand(ListPolicies.class, this::onList)
        .build();
  }

  private ReplyEffect<Event, State> onCreate(State state, CreatePolicy cmd) {
    String name = cmd.draft().name();
    if (state.latestVersion(name) > 0) {
      return Effect().reply(cmd.replyTo(),
          new Refusal.AlreadyExists("policy " + name + " already exists; update it to make a new version").reply());
    }
    return persistVersion(cmd.draft().withVersion(1), cmd.author(), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onUpdate(State state, UpdatePolicy cmd) {
    String name = cmd.draft().name();
    long latest = state.latestVersion(name);
    if (latest == 0) {
      return Effect().reply(cmd.replyTo(), new Refusal.NotFound("policy " + name + " does not exist").reply());
    }
    return persistVersion(cmd.draft().withVersion(latest + 1), cmd.author(), cmd.replyTo());
  }

  private ReplyEffect<Event, State> persistVersion(
      Policy policy, String author, ActorRef<StatusReply<Policy>> replyTo) {
    return Effect()
        .persist(new PolicyVersionCreated(policy, author, clock.instant()))
        .thenReply(replyTo, s -> StatusReply.success(policy));
  }

  private ReplyEffect<Event, State> onGet(State state, GetPolicy cmd) {
    return Effect().reply(cmd.replyTo(),
        state.find(cmd.name(), cmd.version())
            .map(StatusReply::success)
            .orElseGet(() -> new Refusal.NotFound(cmd.version() == 0
                ? "policy " + cmd.name() + " does not exist"
                : "policy " + cmd.name() + " has no version " + cmd.version()).reply()));
  }

  private ReplyEffect<Event, State> onList(State state, ListPolicies cmd) {
    List<Policy> latest = state.versionsByName().values().stream()
        .map(versions -> versions.get(versions.size() - 1))
        .sorted(Comparator.comparing(Policy::name))
        .toList();
    return Effect().reply(cmd.replyTo(), StatusReply.success(new PolicyList(latest)));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(PolicyVersionCreated.class, (state, e) -> state.with(e.policy()))
        .build();
  }
}
