package io.fleetcontrol.agent;

import io.fleetcontrol.policy.PauseCheck;
import io.fleetcontrol.agent.gate.CaptureGate;
import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.agent.link.ControllerMessage;
import io.fleetcontrol.agent.link.ControllerStream;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.CredentialFile;
import io.fleetcontrol.agent.state.EmployeeRequest;
import io.fleetcontrol.agent.state.RequestOutbox;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import io.grpc.Status;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;

/**
 * One agent's life with the controller: enrolling, then streaming (connecting, connected), then on
 * a lost stream a jittered backoff and streaming again. A credential the controller refuses buys one
 * fresh enrollment; a second refusal, or a credential for another device, parks the agent in REJECTED.
 * The employee's requests wait in the outbox until the controller has spoken on a stream.
 */
public final class DeviceAgentBehavior {

  /** The contact time alone is written to disk at most this often; every other change at once. */
  private static final Duration CONTACT_SAVE_INTERVAL = Duration.ofMinutes(1);

  sealed interface Command {}

  private record Enrolled(String credential) implements Command {
    @Override
    public String toString() {
      return "Enrolled[credential hidden]";
    }
  }

  private record EnrollFailed(Throwable cause) implements Command {}

  private record StreamOpened(long streamId) implements Command {}

  private record FromController(long streamId, ControllerMessage message) implements Command {}

  private record StreamEnded(long streamId, Throwable failureOrNull) implements Command {}

  private enum Tick implements Command {
    SEND_HEARTBEAT,
    RETRY
  }

  enum Stop implements Command {
    INSTANCE
  }

  /**
   * The employee asked something and it is in the outbox: it takes effect here at once where it
   * can (a pause, a resume, a notice acknowledged), and goes up now if a stream is up, else when one is.
   */
  record RequestQueued(EmployeeRequest request) implements Command {}

  /** The simulator's network loss: drop the stream and stay away this long. */
  record GoOffline(Duration duration) implements Command {}

  static Behavior<Command> create(
      AgentSettings settings,
      AgentServiceClient client,
      TelemetrySource telemetry,
      AgentStatusBoard board,
      RequestOutbox outbox,
      CaptureGate gate,
      AgentCacheFile cacheOrNull,
      Random random,
      Clock clock) {
    Behavior<Command> agent =
        Behaviors.setup(
            context ->
                Behaviors.withTimers(
                    timers ->
                        new DeviceAgentBehavior(
                                settings, client, telemetry, board, outbox, gate, cacheOrNull, random, clock,
                                context, timers)
                            .start()));
    // A bug must not leave a laptop disconnected for good: start over. Without a stored credential it
    // enrolls again with the same enrollment id, which the controller answers with the same credential.
    return Behaviors.supervise(agent)
        .onFailure(
            Exception.class,
            SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
  }

  private final AgentSettings settings;
  private final AgentServiceClient client;
  private final TelemetrySource telemetry;
  private final AgentStatusBoard board;
  private final RequestOutbox outbox;
  private final CaptureGate gate;
  private final AgentCacheFile cache;
  private final CredentialFile credentials;
  private static final java.security.SecureRandom ENROLLMENT_IDS = new java.security.SecureRandom();
  /** The id of this laptop's enrollment, kept across restarts: a retry gets the same credential. */
  private final CredentialFile enrollmentIds;
  private String enrollmentId;
  private final Random random;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Logger log;
  private final Materializer materializer;

  // Touched only on the actor's own thread.
  private String credential;
  private ControllerStream stream;
  private long streamId;
  private Instant connectedSince;
  private boolean controllerSpoke;
  private DeviceTelemetry latestTelemetry = DeviceTelemetry.UNKNOWN;
  private Instant cacheSavedAt;
  private String lastCacheProblem;
  private int failedAttempts;
  /** When the current enrollment or stream attempt began: retries are spaced from there. */
  private Instant attemptStartedAt;
  private boolean mayReenroll = true;
  /**
   * Fresh enrollments after the first, before a refused credential counts as a rejection. (An
   * enrollment answers the same enrollment id with the same credential, so a late one no longer
   * rotates it; this rides out a credential refused while its entity moves between nodes.)
   */
  private static final int LATE_ENROLLMENTS_TOLERATED = 2;
  private int lateEnrollmentsTolerated = LATE_ENROLLMENTS_TOLERATED;
  private int errorsSinceHeartbeat;

  private DeviceAgentBehavior(
      AgentSettings settings,
      AgentServiceClient client,
      TelemetrySource telemetry,
      AgentStatusBoard board,
      RequestOutbox outbox,
      CaptureGate gate,
      AgentCacheFile cache,
      Random random,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    this.settings = settings;
    this.client = client;
    this.telemetry = telemetry;
    this.board = board;
    this.outbox = outbox;
    this.gate = gate;
    this.cache = cache;
    this.credentials = cache == null ? null : new CredentialFile(cache.path().resolveSibling("credential"));
    this.enrollmentIds = cache == null ? null : new CredentialFile(cache.path().resolveSibling("enrollment-id"));
    this.random = random;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    context.setLoggerName(DeviceAgentBehavior.class);
    this.log = context.getLog();
    this.materializer = Materializer.matFromSystem(context.getSystem());
    // After a crash the state is still on the board; the gate must not think the stream is up.
    gate.show(board.state(), false, latestTelemetry);
  }

  // --- enrolling ---

  /** With a stored credential the agent goes straight to its stream; a refused one buys a fresh enrollment. */
  private Behavior<Command> start() {
    if (credentials != null) {
      var stored = credentials.read(deviceId());
      if (stored.isPresent()) {
        credential = stored.get();
        return streaming();
      }
    }
    return enrolling();
  }

  private Behavior<Command> enrolling() {
    board.status(LinkStatus.ENROLLING);
    attemptStartedAt = clock.instant();
    context.pipeToSelf(
        client.enroll(AgentWire.enrollRequest(settings, enrollmentId())),
        (response, failure) ->
            failure == null ? new Enrolled(response.getDeviceCredential()) : new EnrollFailed(failure));
    return commonHandlers()
        .onMessage(Enrolled.class, this::onEnrolled)
        .onMessage(EnrollFailed.class, this::onEnrollFailed)
        .onAnyMessage(this::ignoreLeftover)
        .build();
  }

  /** Made once, at random, and kept: the controller answers a retried enrollment with the same credential. */
  private String enrollmentId() {
    if (enrollmentId == null && enrollmentIds != null) {
      enrollmentId = enrollmentIds.read(deviceId()).orElse(null);
    }
    if (enrollmentId == null && enrollmentIds == null) {
      // No state dir: a simulated agent. Its id follows from its device id alone, so a simulator
      // started again, with any token (or an agent restarted after a crash), gets its devices'
      // credentials back. Anyone can compute it: fit for simulated devices only; a real agent keeps
      // a random one in its state dir.
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
            ("simulated|" + deviceId()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        enrollmentId = "sim-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
    }
    if (enrollmentId == null) {
      byte[] bytes = new byte[24];
      ENROLLMENT_IDS.nextBytes(bytes);
      enrollmentId = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      if (enrollmentIds != null) {
        try {
          enrollmentIds.write(deviceId(), enrollmentId);
        } catch (IOException e) {
          log.warn("Cannot store the enrollment id ({}); a restart before enrollment completes may be refused", e.getMessage());
        }
      }
    }
    return enrollmentId;
  }

  private Behavior<Command> onEnrolled(Enrolled enrolled) {
    log.info("Enrolled as {}", deviceId());
    credential = enrolled.credential();
    if (credentials != null) {
      try {
        credentials.write(deviceId(), credential);
      } catch (IOException e) {
        log.warn("Cannot store the device credential ({}); the next start enrolls again", e.getMessage());
      }
    }
    return streaming();
  }

  private Behavior<Command> onEnrollFailed(EnrollFailed failed) {
    Status status = Status.fromThrowable(failed.cause());
    switch (status.getCode()) {
      case UNAUTHENTICATED, INVALID_ARGUMENT, PERMISSION_DENIED, ALREADY_EXISTS, FAILED_PRECONDITION:
        // ALREADY_EXISTS: another agent holds this id; fighting it would cut it off. An admin decides.
        return rejected("enrollment refused: " + describe(status));
      default:
        return backoff("enrollment of " + deviceId() + " failed: " + describe(status), false, attemptStartedAt);
    }
  }

  // --- streaming: connecting, then connected ---

  private Behavior<Command> streaming() {
    board.status(LinkStatus.CONNECTING);
    attemptStartedAt = clock.instant();
    board.attempted(attemptStartedAt);
    long id = ++streamId;
    controllerSpoke = false;
    ActorRef<Command> self = context.getSelf();
    stream =
        ControllerStream.open(
            client,
            deviceId(),
            credential,
            materializer,
            () -> self.tell(new StreamOpened(id)),
            message -> self.tell(new FromController(id, message)),
            failureOrNull -> self.tell(new StreamEnded(id, failureOrNull)));
    return commonHandlers()
        .onMessage(StreamOpened.class, m -> m.streamId() == streamId, this::onStreamOpened)
        .onMessage(FromController.class, m -> m.streamId() == streamId, this::onFromController)
        .onMessageEquals(Tick.SEND_HEARTBEAT, this::onHeartbeatDue)
        .onMessage(StreamEnded.class, m -> m.streamId() == streamId, this::onStreamEnded)
        .onMessage(GoOffline.class, this::onGoOffline)
        .onAnyMessage(this::ignoreLeftover)
        .build();
  }

  private Behavior<Command> onStreamOpened(StreamOpened opened) {
    markConnected();
    return Behaviors.same();
  }

  private Behavior<Command> onFromController(FromController received) {
    // Data can overtake the headers callback; either one proves the stream is up.
    markConnected();
    // The controller spoke on this credential, so a later refusal deserves a fresh enrollment again.
    mayReenroll = true;
    ControllerMessage message = received.message();
    if (!controllerSpoke) {
      // Headers alone do not prove the call was taken: it may still be refused in the trailers, and
      // a request sent into that stream would be lost. The controller speaks first on a taken call.
      controllerSpoke = true;
      sendQueuedRequests();
    }
    Instant now = clock.instant();
    if (message instanceof ControllerMessage.PolicyReceived update) {
      applyPolicy(update, now);
    } else if (message instanceof ControllerMessage.PauseReceived pause) {
      // The controller's word replaces a local pause once it has answered the request behind it.
      change(s -> s.withContact(now)
          .withControls(s.controls().withPause(pause.activePause(), pause.pausesLeftToday()))
          .withLocalPause(s.localPause() != null && s.localPause().answered() ? null : s.localPause()));
    } else if (message instanceof ControllerMessage.ExemptionsReceived update) {
      change(s -> s.withContact(now).withControls(s.controls().withExemptions(update.exemptions())));
    } else if (message instanceof ControllerMessage.RequestAnswered answer) {
      onRequestAnswered(answer, now);
    } else if (message instanceof ControllerMessage.HeartbeatWanted) {
      sendHeartbeat();
    } else {
      log.debug("{} ignores {}", deviceId(), message);
    }
    return Behaviors.same();
  }

  /**
   * The controller answered the call. It also answers with headers before refusing a credential in
   * the trailers, so CONNECTED can last a few milliseconds before such a refusal.
   */
  private void markConnected() {
    if (connectedSince != null) {
      return;
    }
    connectedSince = clock.instant();
    board.connected(connectedSince);
    board.status(LinkStatus.CONNECTED);
    log.info("Connected {} to {}", deviceId(), settings.controller());
    sendHeartbeat();
    startHeartbeatTimer();
  }

  private void applyPolicy(ControllerMessage.PolicyReceived received, Instant now) {
    Duration intervalBefore = heartbeatInterval();
    Policy policy = received.policy();
    if (!received.problems().isEmpty()) {
      // Deciding on half a policy could allow what the whole one forbids: no capture until one reads.
      log.error("Policy {} v{} cannot be read by this agent ({}); capture stays off until a readable one arrives",
          policy.name(), policy.version(), String.join("; ", received.problems()));
      change(s -> s.withContact(now).withPolicy(null));
      return;
    }
    change(s -> s.withContact(now).withPolicy(policy));
    board.policyApplied(policy.version());
    log.info("Applied policy {} v{} on {}", policy.name(), policy.version(), deviceId());
    if (!stream.send(AgentWire.policyAck(UUID.randomUUID().toString(), policy.policyVersion()))) {
      log.warn("Ack of policy v{} not sent: the stream is closing or stuck; the controller re-sends on reconnect",
          policy.version());
    }
    if (!heartbeatInterval().equals(intervalBefore)) {
      startHeartbeatTimer();
    }
  }

  private void onRequestAnswered(ControllerMessage.RequestAnswered answer, Instant now) {
    AgentState.LocalPause local = board.state().localPause();
    if (local != null && local.requestId().equals(answer.requestId())) {
      // Accepted: the local pause holds until the controller's own pause update replaces it.
      change(s -> s.withContact(now).withLocalPause(answer.accepted() ? local.asAnswered() : null));
    } else {
      change(s -> s.withContact(now));
    }
    // An employee's request goes back to whoever asked; a refusal there is ordinary, not news for the log.
    if (outbox.answer(answer.requestId(), new RequestOutcome(answer.accepted(), answer.message()))) {
      return;
    }
    if (answer.accepted()) {
      log.debug("Controller accepted request {}", answer.requestId());
    } else {
      log.warn("Controller refused request {}: {}", answer.requestId(), answer.message());
    }
  }

  private Behavior<Command> onRequestQueued(RequestQueued queued) {
    Instant now = clock.instant();
    EmployeeRequest request = queued.request();
    if (request instanceof EmployeeRequest.Pause pause) {
      AgentState state = board.state();
      if (mayPauseHere(state, pause.duration(), now)) {
        change(s -> s.withLocalPause(
            new AgentState.LocalPause(pause.requestId(), pause.askedAt(), pause.askedAt().plus(pause.duration()), false)));
      }
    } else if (request instanceof EmployeeRequest.Resume resume) {
      if (board.state().pauseAt(now).isPresent()) {
        change(s -> s.withLocalPause(new AgentState.LocalPause(resume.requestId(), now, now, false)));
      }
    } else if (request instanceof EmployeeRequest.AcknowledgeNotice notice) {
      change(s -> s.noticeAcknowledged().covers(notice.policy()) ? s : s.withNoticeAcknowledged(notice.policy()));
    }
    saveCache(now);
    if (stream != null && controllerSpoke) {
      sendQueuedRequests();
    }
    return Behaviors.same();
  }

  /**
   * Whether the pause takes effect here before the controller hears of it: the pause rule passes on
   * the policy in force and today's count as last told. Otherwise only the controller can say yes.
   */
  private static boolean mayPauseHere(AgentState state, Duration duration, Instant now) {
    if (state.policy() == null) {
      return false;
    }
    return PauseCheck.check(state.policy().pause(), state.controls().pausesLeftToday(),
        state.pauseAt(now).map(p -> p.end()).orElse(null), duration).isEmpty();
  }

  private void sendQueuedRequests() {
    int sent = outbox.sendQueued(request -> stream.send(AgentWire.toProto(request)));
    if (sent > 0) {
      log.debug("{} sent {} employee request(s)", deviceId(), sent);
    }
  }

  private Behavior<Command> onHeartbeatDue() {
    sendHeartbeat();
    return Behaviors.same();
  }

  private void sendHeartbeat() {
    Instant now = clock.instant();
    long appliedVersion = board.state().policyVersion();
    TelemetrySample sample = telemetry.read(now, appliedVersion);
    int errors = errorsSinceHeartbeat + board.takeCrashes();
    latestTelemetry = sample.toDeviceTelemetry(errors);
    boolean queued =
        stream.send(AgentWire.heartbeat(now, sample, errors, board.state().appliedPolicy(), settings.agentVersion()));
    if (queued) {
      errorsSinceHeartbeat = 0;
    } else {
      errorsSinceHeartbeat = errors;
      log.debug("Heartbeat of {} not sent: the stream is closing or stuck", deviceId());
    }
    if (controllerSpoke) {
      change(s -> s.withContact(now));
    } else {
      gate.show(board.state(), false, latestTelemetry);
    }
  }

  private Duration heartbeatInterval() {
    Policy policy = board.state().policy();
    Duration interval = policy == null ? Duration.ZERO : policy.heartbeatInterval();
    return interval.isZero() || interval.isNegative() ? settings.defaultHeartbeatInterval() : interval;
  }

  // --- what the gate decides on, and its copy on disk ---

  /** Changes the state, shows it to the gate, and writes the cache (the contact time at most once a minute). */
  private void change(UnaryOperator<AgentState> change) {
    AgentState before = board.state();
    AgentState after = change.apply(before);
    // The gate first: whoever waits on the board's state must find the gate already deciding on it.
    gate.show(after, stream != null && controllerSpoke, latestTelemetry);
    board.changeState(s -> after);
    if (!after.withContact(before.lastControllerContact()).equals(before)) {
      saveCache(clock.instant());
    } else if (cacheSavedAt == null
        || Duration.between(cacheSavedAt, clock.instant()).compareTo(CONTACT_SAVE_INTERVAL) >= 0) {
      saveCache(clock.instant());
    }
  }

  private void saveCache(Instant now) {
    if (cache == null) {
      return;
    }
    try {
      cache.write(AgentWire.toCache(deviceId(), board.state(), gate.uploads(), outbox.pending()));
      cacheSavedAt = now;
      if (lastCacheProblem != null) {
        log.info("Cache {} written again", cache.path());
        lastCacheProblem = null;
      }
    } catch (IOException | RuntimeException e) {
      // The gate keeps deciding from memory; only a restart would lose what was not written.
      String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
      if (!problem.equals(lastCacheProblem)) {
        log.warn("Cannot write the cache {}: {}", cache.path(), problem);
        lastCacheProblem = problem;
      }
    }
  }

  private void startHeartbeatTimer() {
    timers.startTimerWithFixedDelay(Tick.SEND_HEARTBEAT, heartbeatInterval());
  }

  private Behavior<Command> onStreamEnded(StreamEnded ended) {
    timers.cancel(Tick.SEND_HEARTBEAT);
    stream = null;
    // A stream the controller never spoke on failed as an attempt; one it spoke on was a connection
    // lost, and its agents (a whole node's) spread their return from now.
    Instant spacedFrom = controllerSpoke ? clock.instant() : attemptStartedAt;
    boolean spoke = controllerSpoke;
    controllerSpoke = false;
    outbox.connectionLost();
    gate.show(board.state(), false, latestTelemetry);
    boolean wasConnected = connectedSince != null;
    Duration uptime = wasConnected ? Duration.between(connectedSince, clock.instant()) : Duration.ZERO;
    connectedSince = null;
    if (spoke && settings.backoff().healthy(uptime, failedAttempts)) {
      failedAttempts = 0;
    }
    if (uptime.compareTo(settings.backoff().resetAfter()) >= 0) {
      mayReenroll = true;
      lateEnrollmentsTolerated = LATE_ENROLLMENTS_TOLERATED;
    }
    if (ended.failureOrNull() == null) {
      return backoff("controller closed the stream of " + deviceId(), wasConnected, spacedFrom);
    }
    errorsSinceHeartbeat++;
    Status status = Status.fromThrowable(ended.failureOrNull());
    switch (status.getCode()) {
      case UNAUTHENTICATED:
        if (mayReenroll) {
          mayReenroll = false;
          credential = null;
          if (credentials != null) {
            credentials.delete();
          }
          log.warn("Controller refused the credential of {} ({}); enrolling again", deviceId(), describe(status));
          return enrolling();
        }
        if (lateEnrollmentsTolerated > 0) {
          // In a cluster an earlier enrollment that timed out here can still land after the fresh
          // one and rotate the credential again; a few more, spaced by the backoff, ride it out.
          lateEnrollmentsTolerated--;
          credential = null;
          if (credentials != null) {
            credentials.delete();
          }
          return backoff("credential of " + deviceId() + " refused right after a fresh enrollment ("
              + describe(status) + "); enrolling again", false, spacedFrom);
        }
        return rejected("credential refused again right after fresh enrollments: " + describe(status));
      case PERMISSION_DENIED:
        return rejected("controller says this credential speaks for another device: " + describe(status));
      default:
        return backoff("stream of " + deviceId() + " failed: " + describe(status), wasConnected, spacedFrom);
    }
  }

  private Behavior<Command> onGoOffline(GoOffline offline) {
    timers.cancel(Tick.SEND_HEARTBEAT);
    closeStream();
    controllerSpoke = false;
    connectedSince = null;
    outbox.connectionLost();
    gate.show(board.state(), false, latestTelemetry);
    board.problem("offline (simulated network loss)");
    board.status(LinkStatus.BACKOFF);
    timers.startSingleTimer(Tick.RETRY, offline.duration());
    return commonHandlers()
        .onMessageEquals(Tick.RETRY, this::streaming)
        .onAnyMessage(this::ignoreLeftover)
        .build();
  }

  // --- backoff and rejected ---

  private Behavior<Command> backoff(String problem, boolean lostConnection, Instant spacedFrom) {
    Duration spent = spacedFrom == null ? Duration.ZERO : Duration.between(spacedFrom, clock.instant());
    Duration delay = settings.backoff().delayAfter(failedAttempts, spent, random);
    // A lost connection is news, so is the first failure in a row; each retry of an outage is not.
    if (lostConnection || failedAttempts == 0) {
      log.warn("{}; retrying with backoff", problem);
    } else {
      log.debug("{}; retry {} in {} ms", problem, failedAttempts + 1, delay.toMillis());
    }
    // Slow failures grow the wait too: "not in time" from a busy controller is a reason to back off.
    failedAttempts = Math.min(failedAttempts + 1, Integer.MAX_VALUE - 1);
    board.problem(problem);
    board.status(LinkStatus.BACKOFF);
    timers.startSingleTimer(Tick.RETRY, delay);
    return commonHandlers()
        .onMessageEquals(Tick.RETRY, () -> credential == null ? enrolling() : streaming())
        .onAnyMessage(this::ignoreLeftover)
        .build();
  }

  private Behavior<Command> rejected(String problem) {
    log.error("{} stops talking to the controller: {}. Fix the enrollment and restart the agent.", deviceId(), problem);
    board.problem(problem);
    board.status(LinkStatus.REJECTED);
    outbox.close("the controller rejected this agent: " + problem);
    return commonHandlers().onAnyMessage(this::ignoreLeftover).build();
  }

  // --- in every state ---

  private BehaviorBuilder<Command> commonHandlers() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Stop.INSTANCE, this::onStop)
        .onMessage(RequestQueued.class, this::onRequestQueued)
        .onSignal(PreRestart.class, signal -> onPreRestart())
        .onSignal(PostStop.class, signal -> onPostStop());
  }

  /**
   * Messages from a stream already given up, a timer that raced a state change, or news of a
   * request that must wait for the next stream.
   */
  private Behavior<Command> ignoreLeftover(Command command) {
    log.debug("{} ignores leftover {}", deviceId(), command);
    return Behaviors.same();
  }

  private Behavior<Command> onStop() {
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    saveCache(clock.instant());
    board.status(LinkStatus.STOPPED);
    outbox.close("the agent stopped before the controller answered");
    return closeStream();
  }

  /** Unsent requests wait for the next incarnation; those on the closing stream are in doubt. */
  private Behavior<Command> onPreRestart() {
    board.crashed();
    closeStream();
    outbox.connectionLost();
    gate.show(board.state(), false, latestTelemetry);
    return Behaviors.same();
  }

  private Behavior<Command> closeStream() {
    if (stream != null) {
      stream.close();
      stream = null;
    }
    return Behaviors.same();
  }

  private String deviceId() {
    return settings.identity().deviceId();
  }

  private static String describe(Status status) {
    return status.getDescription() == null
        ? status.getCode().name()
        : status.getCode() + " " + status.getDescription();
  }
}
