package io.fleetcontrol.agent;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
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
  private final Clock clock;

  private DeviceAgent(
      String deviceId,
      ActorRef<DeviceAgentBehavior.Command> actor,
      AgentStatusBoard board,
      RequestOutbox outbox,
      Clock clock) {
    this.deviceId = deviceId;
    this.actor = actor;
    this.board = board;
    this.outbox = outbox;
    this.clock = clock;
  }

  /**
   * Starts the agent at once. The client may be shared with other agents; the caller owns and closes it.
   */
  public static DeviceAgent start(
      ActorSystem<?> system, AgentSettings settings, AgentServiceClient client, TelemetrySource telemetry) {
    AgentStatusBoard board = new AgentStatusBoard();
    RequestOutbox outbox = new RequestOutbox();
    Clock clock = Clock.systemUTC();
    String deviceId = settings.identity().deviceId();
    // Actor names must be unique; two agents may claim the same device id (that is the controller's call).
    String name =
        "device-agent-" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8) + "-" + instances.incrementAndGet();
    ActorRef<DeviceAgentBehavior.Command> actor =
        system.systemActorOf(
            DeviceAgentBehavior.create(settings, client, telemetry, board, outbox, new Random(), clock),
            name,
            Props.empty());
    return new DeviceAgent(deviceId, actor, board, outbox, clock);
  }

  public String deviceId() {
    return deviceId;
  }

  public ConnectionStatus status() {
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
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a pause must last some time, got " + duration);
    }
    return submit(new EmployeeRequest.Pause(newRequestId(), clock.instant(), duration));
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
    actor.tell(DeviceAgentBehavior.RequestQueued.INSTANCE);
    return outcome;
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  // --- the pause and exemptions, as the controller last told them ---

  public EmployeeControls controls() {
    return board.controls();
  }

  public Optional<ActivePause> activePause() {
    return controls().activePause();
  }

  /** 0 until the controller first says. */
  public int pausesLeftToday() {
    return controls().pausesLeftToday();
  }

  public List<AgentExemption> exemptions() {
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
