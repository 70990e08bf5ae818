package io.fleetcontrol.agent;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.PauseCheck;
import io.fleetcontrol.agent.gate.CaptureGate;
import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.EmployeeControls;
import io.fleetcontrol.agent.state.EmployeeRequest;
import io.fleetcontrol.agent.state.RequestOutbox;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.agent.state.RequestUnansweredException;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

/**
 * A running agent for one device: enrolls, holds the Connect stream, applies policy, heartbeats,
 * and carries the employee's pause and exemption requests. Every method is safe from any thread;
 * the getters read a snapshot.
 */
public final class DeviceAgent {

  private static final AtomicLong instances = new AtomicLong();

  private final String deviceId;
  private final ActorRef<DeviceAgentBehavior.Command> actor;
  private final AgentStatusBoard board;
  private final RequestOutbox outbox;
  private final CaptureGate gate;
  private final AgentSettings settings;
  private final Clock clock;

  private DeviceAgent(
      AgentSettings settings,
      ActorRef<DeviceAgentBehavior.Command> actor,
      AgentStatusBoard board,
      RequestOutbox outbox,
      CaptureGate gate,
      Clock clock) {
    this.settings = settings;
    this.deviceId = settings.identity().deviceId();
    this.actor = actor;
    this.board = board;
    this.outbox = outbox;
    this.gate = gate;
    this.clock = clock;
  }

  /**
   * Starts an agent that keeps nothing on disk (the simulator's). The client may be shared with
   * other agents; the caller owns and closes it.
   */
  public static DeviceAgent start(
      ActorSystem<?> system, AgentSettings settings, AgentServiceClient client, TelemetrySource telemetry) {
    return start(system, settings, client, telemetry, new UploadMeter(), null, Clock.systemUTC());
  }

  /**
   * Starts the agent of this laptop: the state in {@code cacheFile} (if any, and readable) is in
   * force before the controller is reached, so the gate answers at once after a restart, offline too.
   * {@code uploads} is the meter the heartbeats' telemetry drains; the gate feeds it.
   */
  public static DeviceAgent start(
      ActorSystem<?> system,
      AgentSettings settings,
      AgentServiceClient client,
      TelemetrySource telemetry,
      UploadMeter uploads,
      Path cacheFile,
      Clock clock) {
    String deviceId = settings.identity().deviceId();
    AgentCacheFile cache = cacheFile == null ? null : new AgentCacheFile(cacheFile);
    AgentWire.Cached restored = restore(cache, deviceId, system);
    AgentStatusBoard board = new AgentStatusBoard(restored.state());
    RequestOutbox outbox = new RequestOutbox();
    outbox.restore(restored.unsent());
    CaptureGate gate = new CaptureGate(clock, settings.identity().jurisdiction(),
        ZoneId.of(settings.identity().timeZone()), restored.uploads(), uploads);
    gate.show(restored.state(), false, DeviceTelemetry.UNKNOWN);
    // Actor names must be unique; two agents may claim the same device id (that is the controller's call).
    String name =
        "device-agent-" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8) + "-" + instances.incrementAndGet();
    ActorRef<DeviceAgentBehavior.Command> actor =
        system.systemActorOf(
            DeviceAgentBehavior.create(settings, client, telemetry, board, outbox, gate, cache, new Random(), clock),
            name,
            Props.empty());
    return new DeviceAgent(settings, actor, board, outbox, gate, clock);
  }

  /** What the cache holds, or nothing: a damaged or foreign cache means no capture until the controller speaks. */
  private static AgentWire.Cached restore(AgentCacheFile cache, String deviceId, ActorSystem<?> system) {
    AgentWire.Cached nothing = new AgentWire.Cached(AgentState.EMPTY, UploadCounters.EMPTY, List.of());
    if (cache == null) {
      return nothing;
    }
    try {
      Optional<AgentCache> read = cache.read();
      if (read.isEmpty()) {
        system.log().info("No cache at {} yet: capture stays off until the controller sends a policy", cache.path());
        return nothing;
      }
      if (!read.get().getDeviceId().equals(deviceId)) {
        system.log().error("Cache {} belongs to device {}, not {}: ignored; capture stays off until the controller "
            + "sends a policy", cache.path(), read.get().getDeviceId(), deviceId);
        return nothing;
      }
      AgentWire.Cached cached = AgentWire.fromCache(read.get());
      system.log().info("Restored policy v{} and {} unsent request(s) from {}",
          cached.state().policyVersion(), cached.unsent().size(), cache.path());
      return cached;
    } catch (AgentCacheFile.UnreadableCacheException | RuntimeException e) {
      system.log().error("Cache unreadable, capture stays off until the controller sends the policy again: {}",
          e.getMessage());
      return nothing;
    }
  }

  public String deviceId() {
    return deviceId;
  }

  public AgentSettings settings() {
    return settings;
  }

  /** The gate capture tools in this process ask; the local API asks the same one. */
  public CaptureGate gate() {
    return gate;
  }

  /** The policy, pause, exemptions and notice this agent decides on. */
  public AgentState state() {
    return board.state();
  }

  /** Completes once the agent's state meets the condition (at once if it already does). */
  public CompletionStage<AgentState> whenState(Predicate<? super AgentState> condition) {
    return board.whenState(condition);
  }

  /** Requests the controller has not answered yet, in the order asked. */
  public List<EmployeeRequest> unansweredRequests() {
    return outbox.pending();
  }

  /** When the stream last came up (the last few), for the simulator's reconnect histogram. */
  public List<Instant> recentConnects() {
    return board.recentConnects();
  }

  /** When the agent opened a stream (the last few): the attempts behind {@link #recentConnects}. */
  public List<Instant> recentAttempts() {
    return board.recentAttempts();
  }

  /** The simulator's network loss: the stream drops and the agent stays away this long. */
  public void goOffline(Duration duration) {
    actor.tell(new DeviceAgentBehavior.GoOffline(duration));
  }

  public LinkStatus status() {
    return board.status();
  }

  /** Version of the policy in force on this agent; 0 before the first policy arrives. */
  public long appliedPolicyVersion() {
    return board.appliedVersion();
  }

  /** Policy updates applied since start, re-sends of the same version included. */
  public int policyUpdatesReceived() {
    return board.policyUpdates();
  }

  /** Why the agent last lost or gave up its connection; empty if it never did. */
  public String lastProblem() {
    return board.lastProblem();
  }

  /** Completes when this exact version is in force (at once if it already is). */
  public CompletionStage<Long> whenPolicyApplied(long version) {
    return board.whenApplied(version);
  }

  // --- the employee's requests: queued while offline, answered once the controller has persisted them ---

  /**
   * Asks for a pause of this length; the controller checks it against the policy and today's quota.
   * The outcome fails with {@link RequestUnansweredException} if no answer can come.
   */
  public CompletionStage<RequestOutcome> requestPause(Duration duration) {
    // The rest of the rule (length, pause in force, count) is checked where the state is: the
    // local API before it asks, the behaviour before the pause takes effect here, the controller.
    PauseCheck.check(null, null, null, duration).ifPresent(refusal -> {
      throw new IllegalArgumentException(refusal.message() + ", got " + duration);
    });
    return submit(new EmployeeRequest.Pause(newRequestId(), clock.instant(), duration));
  }

  /** The employee read the notice of {@code policy} and accepts it; capture may start at once here. */
  public CompletionStage<RequestOutcome> acknowledgeNotice(PolicyVersion policy) {
    return submit(new EmployeeRequest.AcknowledgeNotice(newRequestId(), clock.instant(), policy));
  }

  /** Asks to end the active pause early. */
  public CompletionStage<RequestOutcome> requestResume() {
    return submit(new EmployeeRequest.Resume(newRequestId(), clock.instant()));
  }

  /** Asks for an exemption; accepted means recorded as REQUESTED, for an approver to decide. */
  public CompletionStage<RequestOutcome> requestExemption(
      ExemptionScope scope, ExemptionReason reason, String comment) {
    return submit(
        new EmployeeRequest.Exemption(
            newRequestId(),
            clock.instant(),
            Objects.requireNonNull(scope, "scope"),
            Objects.requireNonNull(reason, "reason"),
            Objects.requireNonNull(comment, "comment")));
  }

  private CompletionStage<RequestOutcome> submit(EmployeeRequest request) {
    CompletionStage<RequestOutcome> outcome = outbox.add(request);
    actor.tell(new DeviceAgentBehavior.RequestQueued(request));
    return outcome;
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  // --- the pause and exemptions, as the controller last told them ---

  public EmployeeControls controls() {
    return board.controls();
  }

  /** The pause in force on this laptop, one made here and not yet confirmed included. */
  public Optional<ActivePause> activePause() {
    return board.state().pauseAt(clock.instant());
  }

  /** 0 until the controller first says. */
  public PausesLeft pausesLeftToday() {
    return controls().pausesLeftToday();
  }

  public List<ExemptionRecord> exemptions() {
    return controls().exemptions();
  }

  /**
   * Completes once what the controller told meets the condition (at once if it already does),
   * e.g. {@code whenControls(c -> c.activePause().isEmpty())}. An accepted pause shows only when
   * its PauseUpdate arrives, which may be after the ack: wait for it to show before waiting for its end.
   */
  public CompletionStage<EmployeeControls> whenControls(Predicate<? super EmployeeControls> condition) {
    return board.whenControls(condition);
  }

  /** Closes the stream and stops, failing unanswered requests; status() turns STOPPED shortly after. */
  public void stop() {
    actor.tell(DeviceAgentBehavior.Stop.INSTANCE);
  }

  @Override
  public String toString() {
    return deviceId + " " + status() + " v" + appliedPolicyVersion();
  }
}
