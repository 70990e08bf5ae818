package io.fleetcontrol.rollout;

import io.fleetcontrol.journal.JournalFailureBackoff;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.policy.rollout.RolloutGates;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Every rollout of one policy (the entity id is the policy name): at most one running or paused at a
 * time, the rest kept as its history. The entity journals the decisions (started, wave passed, paused
 * and why, resumed, aborted, rolled back, succeeded); the work of a wave (assigning, counting acks,
 * comparing health) is the {@link RolloutExecutor}'s, which answers with WavePassed or WaveFailed.
 * After a restart a running rollout asks for its current wave again; assignments are idempotent at
 * the device, so nothing is sent twice and no device is skipped.
 */
public final class PolicyRollouts
    extends EventSourcedBehaviorWithEnforcedReplies<PolicyRollouts.Command, PolicyRollouts.Event, PolicyRollouts.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "PolicyRollouts");

  public enum Status { RUNNING, PAUSED, SUCCEEDED, ABORTED, ROLLING_BACK, ROLLED_BACK }

  /** Which devices: all enrolled, those with every label, or a list. */
  public record Selector(boolean all, Map<String, String> labels, List<String> deviceIds) implements CborSerializable {
    public Selector {
      labels = Map.copyOf(labels);
      deviceIds = List.copyOf(deviceIds);
    }
  }

  public record Spec(String policyName, long policyVersion, Selector selector, List<Double> wavePercents,
      RolloutGates gates) implements CborSerializable {
    public Spec {
      wavePercents = List.copyOf(wavePercents);
    }
  }

  /**
   * Per wave, what the gate said when it passed or failed; empty while it runs. {@code passedWaves}:
   * each passed wave's last progress (its devices and acks), for the waves passed since it was kept.
   */
  public record Rollout(
      String rolloutId,
      Spec spec,
      Status status,
      int currentWave,
      List<String> waveMessages,
      String statusMessage,
      String startedBy,
      Instant createTime,
      Instant updateTime,
      List<Progress> passedWaves) implements CborSerializable {

    public Rollout {
      waveMessages = List.copyOf(waveMessages);
      // Null in events and snapshots written before it was kept.
      passedWaves = passedWaves == null ? List.of() : List.copyOf(passedWaves);
    }

    /** The last progress of this wave if it passed and its counts were kept. */
    public Optional<Progress> passed(int wave) {
      return passedWaves.stream().filter(p -> p.wave() == wave).findFirst();
    }

    public boolean active() {
      return status == Status.RUNNING || status == Status.PAUSED || status == Status.ROLLING_BACK;
    }

    Rollout with(Status newStatus, int wave, List<String> messages, String message, Instant at) {
      return new Rollout(rolloutId, spec, newStatus, wave, messages, message, startedBy, createTime, at, passedWaves);
    }

    Rollout passing(Progress last) {
      List<Progress> passed = new ArrayList<>(passedWaves);
      passed.add(last);
      return new Rollout(rolloutId, spec, status, currentWave, waveMessages, statusMessage, startedBy, createTime,
          updateTime, passed);
    }
  }

  /** The executor's view of a wave in progress; memory only, shown by status and watch. */
  public record Progress(int wave, long devices, long assigned, long acked, String phase) implements CborSerializable {}

  /** Who does the waves' work; set up by the controller, which has the device directory. */
  public interface RolloutExecutor {
    /** Run this wave of this rollout unless it already runs on this node; answer with WavePassed or WaveFailed. */
    void runWave(Rollout rollout, int wave);

    /** Put every device of waves 0..currentWave still on the version back; answer with RollbackDone. */
    void rollBack(Rollout rollout);

    /** Stop whatever runs for this rollout (paused, aborted). */
    void stop(String rolloutId);
  }

  // ---- commands ----

  public sealed interface Command extends CborSerializable {}

  public record Start(Spec spec, String by, ActorRef<StatusReply<Rollout>> replyTo) implements Command {}

  public record Get(String rolloutId, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record ListAll(ActorRef<StatusReply<Views>> replyTo) implements Command {}

  /** The answer to ListAll: a record, since a bare List has no serializer between nodes. */
  public record Views(List<View> all) implements CborSerializable {}

  public record Pause(String rolloutId, String by, ActorRef<StatusReply<Rollout>> replyTo) implements Command {}

  public record Resume(String rolloutId, String by, ActorRef<StatusReply<Rollout>> replyTo) implements Command {}

  public record Abort(String rolloutId, String by, ActorRef<StatusReply<Rollout>> replyTo) implements Command {}

  public record Rollback(String rolloutId, String by, ActorRef<StatusReply<Rollout>> replyTo) implements Command {}

  /** From the executor; {@code last}: the wave's final count of devices and acks. */
  public record WavePassed(String rolloutId, int wave, String message, Progress last) implements Command {}

  public record WaveFailed(String rolloutId, int wave, String message) implements Command {}

  public record RollbackDone(String rolloutId, long devicesReverted) implements Command {}

  public record ReportProgress(String rolloutId, Progress progress) implements Command {}

  /** A rollout with the executor's progress, for the admin API. */
  public record View(Rollout rollout, Progress progress) implements CborSerializable {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {
    String rolloutId();
  }

  public record RolloutStarted(String rolloutId, Rollout rollout) implements Event {}

  /** {@code last}: the wave's final count of devices and acks; null in events written before it was kept. */
  public record WaveCompleted(String rolloutId, int wave, String message, Instant at, Progress last) implements Event {}

  public record RolloutSucceeded(String rolloutId, Instant at) implements Event {}

  /** By hand ({@code by} set) or by a failed gate ({@code by} empty, {@code reason} says why). */
  public record RolloutPaused(String rolloutId, String by, String reason, Instant at) implements Event {}

  public record RolloutResumed(String rolloutId, String by, Instant at) implements Event {}

  public record RolloutAborted(String rolloutId, String by, Instant at) implements Event {}

  public record RollbackStarted(String rolloutId, String by, String reason, Instant at) implements Event {}

  public record RolledBack(String rolloutId, long devicesReverted, Instant at) implements Event {}

  // ---- state ----

  public record State(List<Rollout> rollouts) implements CborSerializable {
    static final State EMPTY = new State(List.of());

    public State {
      rollouts = List.copyOf(rollouts);
    }

    Optional<Rollout> find(String id) {
      return rollouts.stream().filter(r -> r.rolloutId().equals(id)).findFirst();
    }

    Optional<Rollout> active() {
      return rollouts.stream().filter(Rollout::active).findFirst();
    }

    State change(String id, UnaryOperator<Rollout> change) {
      return new State(rollouts.stream().map(r -> r.rolloutId().equals(id) ? change.apply(r) : r).toList());
    }

    State add(Rollout rollout) {
      List<Rollout> next = new ArrayList<>(rollouts);
      next.add(rollout);
      return new State(next);
    }
  }

  // ---- wiring ----

  /**
   * Remembered entities: when a node dies, sharding starts its rollout entities again on a live node
   * without waiting for a message, and a running rollout carries on with its wave there.
   */
  public static void init(ActorSystem<?> system, RolloutExecutor executor, Clock clock) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), executor, clock))
        .withSettings(org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings.create(system)
            .withRememberEntities(true)));
  }

  /** The rollouts of one policy; {@code policyName} is the entity id. */
  public static Behavior<Command> create(String policyName, RolloutExecutor executor, Clock clock) {
    return Behaviors.setup(context -> new PolicyRollouts(policyName, executor, clock, context));
  }

  public static EntityRef<Command> ref(ActorSystem<?> system, String policyName) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, policyName);
  }

  /** "<policy>-<n>": the policy name is all before the last dash. */
  public static String policyOf(String rolloutId) {
    int dash = rolloutId.lastIndexOf('-');
    return dash <= 0 ? "" : rolloutId.substring(0, dash);
  }

  private final String policyName;
  private final RolloutExecutor executor;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final Map<String, Progress> progress = new HashMap<>();

  private PolicyRollouts(String policyName, RolloutExecutor executor, Clock clock, ActorContext<Command> context) {
    super(PersistenceId.of(ENTITY_KEY.name(), policyName),
        JournalFailureBackoff.strategy());
    this.policyName = policyName;
    this.executor = executor;
    this.clock = clock;
    this.context = context;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  /** The read side's audit trail follows rollouts by this tag. */
  public static final String TAG = "rollout";

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  /** A rollout that was running when the node went down carries on with the wave it was in. */
  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> state.active().ifPresent(this::carryOn))
        .build();
  }

  private void carryOn(Rollout rollout) {
    if (rollout.status() == Status.RUNNING) {
      executor.runWave(rollout, rollout.currentWave());
    } else if (rollout.status() == Status.ROLLING_BACK) {
      executor.rollBack(rollout);
    }
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Start.class, this::onStart)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state.find(cmd.rolloutId())
            .map(r -> StatusReply.success(view(r)))
            .orElseGet(() -> new Refusal.NotFound(unknown(cmd.rolloutId())).reply())))
        .onCommand(ListAll.class, (state, cmd) ->
            Effect().reply(cmd.replyTo(),
                StatusReply.success(new Views(state.rollouts().stream().map(this::view).toList()))))
        .onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, this::onResume)
        .onCommand(Abort.class, this::onAbort)
        .onCommand(Rollback.class, this::onRollback)
        .onCommand(WavePassed.class, this::onWavePassed)
        .onCommand(WaveFailed.class, this::onWaveFailed)
        .onCommand(RollbackDone.class, this::onRollbackDone)
        .onCommand(ReportProgress.class, (state, cmd) -> {
          progress.put(cmd.rolloutId(), cmd.progress());
          return Effect().noReply();
        })
        .build();
  }

  private View view(Rollout rollout) {
    return new View(rollout, progress.get(rollout.rolloutId()));
  }

  private ReplyEffect<Event, State> onStart(State state, Start cmd) {
    Optional<Rollout> active = state.active();
    if (active.isPresent()) {
      return Effect().reply(cmd.replyTo(), new Refusal.Conflict("rollout " + active.get().rolloutId() + " of policy "
          + policyName + " is still " + active.get().status().name().toLowerCase(java.util.Locale.ROOT)
          + "; abort it or let it finish before starting another").reply());
    }
    Instant now = clock.instant();
    String id = policyName + "-" + (state.rollouts().size() + 1);
    Rollout rollout = new Rollout(id, cmd.spec(), Status.RUNNING, 0, List.of(), "wave 1 running", cmd.by(), now, now,
        List.of());
    return Effect().persist(new RolloutStarted(id, rollout))
        .thenRun(s -> executor.runWave(s.find(id).orElseThrow(), 0))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.find(id).orElseThrow()));
  }

  private ReplyEffect<Event, State> onWavePassed(State state, WavePassed cmd) {
    Optional<Rollout> rollout = state.find(cmd.rolloutId());
    if (rollout.isEmpty() || rollout.get().status() != Status.RUNNING || rollout.get().currentWave() != cmd.wave()) {
      // A runner stopped by a pause or abort may still report: the decision already moved on.
      return Effect().noReply();
    }
    Instant now = clock.instant();
    boolean last = cmd.wave() + 1 >= rollout.get().spec().wavePercents().size();
    List<Event> events = new ArrayList<>();
    events.add(new WaveCompleted(cmd.rolloutId(), cmd.wave(), cmd.message(), now, cmd.last()));
    if (last) {
      events.add(new RolloutSucceeded(cmd.rolloutId(), now));
    }
    return Effect().persist(events)
        .thenRun(s -> {
          progress.remove(cmd.rolloutId());
          Rollout next = s.find(cmd.rolloutId()).orElseThrow();
          if (next.status() == Status.RUNNING) {
            executor.runWave(next, next.currentWave());
          }
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onWaveFailed(State state, WaveFailed cmd) {
    Optional<Rollout> rollout = state.find(cmd.rolloutId());
    if (rollout.isEmpty() || rollout.get().status() != Status.RUNNING || rollout.get().currentWave() != cmd.wave()) {
      return Effect().noReply();
    }
    String reason = "wave " + (cmd.wave() + 1) + " failed its gate: " + cmd.message();
    Instant now = clock.instant();
    if (rollout.get().spec().gates().autoRollback()) {
      return Effect().persist(List.of(new RolloutPaused(cmd.rolloutId(), "", reason, now),
              new RollbackStarted(cmd.rolloutId(), "", reason, now)))
          .thenRun(s -> executor.rollBack(s.find(cmd.rolloutId()).orElseThrow()))
          .thenNoReply();
    }
    return Effect().persist(new RolloutPaused(cmd.rolloutId(), "", reason, now)).thenNoReply();
  }

  private ReplyEffect<Event, State> onRollbackDone(State state, RollbackDone cmd) {
    Optional<Rollout> rollout = state.find(cmd.rolloutId());
    if (rollout.isEmpty() || rollout.get().status() != Status.ROLLING_BACK) {
      return Effect().noReply();
    }
    return Effect().persist(new RolledBack(cmd.rolloutId(), cmd.devicesReverted(), clock.instant()))
        .thenRun(s -> progress.remove(cmd.rolloutId()))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onPause(State state, Pause cmd) {
    return decide(state, cmd.rolloutId(), cmd.replyTo(), Status.RUNNING, "running",
        () -> Effect().persist(new RolloutPaused(cmd.rolloutId(), cmd.by(), "paused by " + cmd.by(), clock.instant()))
            .thenRun(s -> executor.stop(cmd.rolloutId()))
            .thenReply(cmd.replyTo(), s -> StatusReply.success(s.find(cmd.rolloutId()).orElseThrow())));
  }

  private ReplyEffect<Event, State> onResume(State state, Resume cmd) {
    return decide(state, cmd.rolloutId(), cmd.replyTo(), Status.PAUSED, "paused",
        () -> Effect().persist(new RolloutResumed(cmd.rolloutId(), cmd.by(), clock.instant()))
            .thenRun(s -> {
              Rollout r = s.find(cmd.rolloutId()).orElseThrow();
              executor.runWave(r, r.currentWave());
            })
            .thenReply(cmd.replyTo(), s -> StatusReply.success(s.find(cmd.rolloutId()).orElseThrow())));
  }

  private ReplyEffect<Event, State> onAbort(State state, Abort cmd) {
    Optional<Rollout> rollout = state.find(cmd.rolloutId());
    if (rollout.isPresent() && (rollout.get().status() == Status.RUNNING || rollout.get().status() == Status.PAUSED)) {
      return Effect().persist(new RolloutAborted(cmd.rolloutId(), cmd.by(), clock.instant()))
          .thenRun(s -> executor.stop(cmd.rolloutId()))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(s.find(cmd.rolloutId()).orElseThrow()));
    }
    return refuse(rollout, cmd.rolloutId(), cmd.replyTo(), "running or paused");
  }

  private ReplyEffect<Event, State> onRollback(State state, Rollback cmd) {
    Optional<Rollout> rollout = state.find(cmd.rolloutId());
    if (rollout.isPresent() && rollout.get().status() != Status.ROLLING_BACK
        && rollout.get().status() != Status.ROLLED_BACK) {
      return Effect().persist(new RollbackStarted(cmd.rolloutId(), cmd.by(), "rolled back by " + cmd.by(),
              clock.instant()))
          .thenRun(s -> {
            executor.stop(cmd.rolloutId());
            executor.rollBack(s.find(cmd.rolloutId()).orElseThrow());
          })
          .thenReply(cmd.replyTo(), s -> StatusReply.success(s.find(cmd.rolloutId()).orElseThrow()));
    }
    return refuse(rollout, cmd.rolloutId(), cmd.replyTo(), "not rolled back already");
  }

  private ReplyEffect<Event, State> decide(State state, String id, ActorRef<StatusReply<Rollout>> replyTo,
      Status needed, String neededWords, java.util.function.Supplier<ReplyEffect<Event, State>> effect) {
    Optional<Rollout> rollout = state.find(id);
    if (rollout.isPresent() && rollout.get().status() == needed) {
      return effect.get();
    }
    return refuse(rollout, id, replyTo, neededWords);
  }

  private ReplyEffect<Event, State> refuse(Optional<Rollout> rollout, String id,
      ActorRef<StatusReply<Rollout>> replyTo, String neededWords) {
    Refusal refusal = rollout.isEmpty()
        ? new Refusal.NotFound(unknown(id))
        : new Refusal.Conflict("rollout " + id + " is "
            + rollout.get().status().name().toLowerCase(java.util.Locale.ROOT) + ", not " + neededWords);
    return Effect().reply(replyTo, refusal.reply());
  }

  private String unknown(String id) {
    return "policy " + policyName + " has no rollout " + id;
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(RolloutStarted.class, (state, e) -> state.add(e.rollout()))
        .onEvent(WaveCompleted.class, (state, e) -> state.change(e.rolloutId(), r -> {
          List<String> messages = new ArrayList<>(r.waveMessages());
          messages.add(e.message());
          int next = e.wave() + 1;
          Rollout passed = r.with(Status.RUNNING, Math.min(next, r.spec().wavePercents().size() - 1), messages,
              next < r.spec().wavePercents().size() ? "wave " + (next + 1) + " running" : "all waves done", e.at());
          return e.last() == null ? passed : passed.passing(e.last());
        }))
        .onEvent(RolloutSucceeded.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.SUCCEEDED, r.currentWave(), r.waveMessages(), "succeeded: every wave passed", e.at())))
        .onEvent(RolloutPaused.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.PAUSED, r.currentWave(), r.waveMessages(), e.reason(), e.at())))
        .onEvent(RolloutResumed.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.RUNNING, r.currentWave(), r.waveMessages(),
                "wave " + (r.currentWave() + 1) + " running (resumed by " + e.by() + ")", e.at())))
        .onEvent(RolloutAborted.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.ABORTED, r.currentWave(), r.waveMessages(),
                "aborted by " + e.by() + "; devices keep the version they have", e.at())))
        .onEvent(RollbackStarted.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.ROLLING_BACK, r.currentWave(), r.waveMessages(), e.reason() + "; rolling back", e.at())))
        .onEvent(RolledBack.class, (state, e) -> state.change(e.rolloutId(),
            r -> r.with(Status.ROLLED_BACK, r.currentWave(), r.waveMessages(),
                r.statusMessage().replace("; rolling back", "") + "; rolled back " + e.devicesReverted()
                    + " devices to the version they had", e.at())))
        .build();
  }
}
