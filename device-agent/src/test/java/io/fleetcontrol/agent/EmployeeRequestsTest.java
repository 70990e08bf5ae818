package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.agent.FakeAgentService.ConnectSeen;
import io.fleetcontrol.agent.FakeAgentService.RequestSeen;
import io.fleetcontrol.agent.FakeAgentService.Seen;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.EmployeeControls;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.agent.state.RequestUnansweredException;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionUpdate;
import io.fleetcontrol.proto.v1.Pause;
import io.fleetcontrol.proto.v1.PauseUpdate;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pause, resume and exemption requests up the stream, and what the controller tells back. */
@ExtendWith(LogCapturingExtension.class)
class EmployeeRequestsTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TOKEN = "enroll-me";
  /** What the fake tells on connect; seeing it proves the controller has spoken. */
  private static final int PAUSES_LEFT_ON_CONNECT = 3;

  private TestProbe<Seen> seen;
  private FakeAgentService fake;
  private FakeController controller;
  private AgentServiceClient client;
  private final List<DeviceAgent> agents = new ArrayList<>();

  @BeforeEach
  void startController() throws Exception {
    seen = testKit.createTestProbe();
    fake = new FakeAgentService(testKit.system(), TOKEN, seen.ref()::tell);
    controller = FakeController.start(testKit.system(), fake);
    client = AgentClients.create(testKit.system(), controller.address());
  }

  @AfterEach
  void stopAll() throws Exception {
    agents.forEach(DeviceAgent::stop);
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    controller.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aPauseRequestGoesUpWithItsDurationAndCompletesOnTheAck() throws Exception {
    DeviceAgent agent = startConnected();
    Instant beforeAsk = Instant.now();

    CompletionStage<RequestOutcome> outcome = agent.requestPause(Duration.ofMinutes(15));

    ConnectRequest sent = nextRequest(ConnectRequest::hasPauseRequest).request();
    assertEquals(900, sent.getPauseRequest().getDuration().getSeconds());
    assertFalse(sent.getRequestId().isEmpty(), "the ack must be able to name it");
    assertFalse(instant(sent.getPauseRequest().getRequestTime()).isBefore(beforeAsk));
    assertFalse(outcome.toCompletableFuture().isDone(), "answered only by the controller's ack");

    fake.answer(sent.getRequestId(), true, "");

    assertEquals(new RequestOutcome(true, ""), await(outcome));
  }

  @Test
  void aRefusalsPlainWordsReachTheCaller() throws Exception {
    DeviceAgent agent = startConnected();

    CompletionStage<RequestOutcome> outcome = agent.requestPause(Duration.ofMinutes(45));
    String requestId = nextRequest(ConnectRequest::hasPauseRequest).request().getRequestId();
    fake.answer(requestId, false, "a pause may last at most 30 minutes");

    assertEquals(new RequestOutcome(false, "a pause may last at most 30 minutes"), await(outcome));
  }

  @Test
  void resumeAndExemptionRequestsCarryWhatWasAsked() throws Exception {
    DeviceAgent agent = startConnected();

    CompletionStage<RequestOutcome> resumed = agent.requestResume();
    ConnectRequest resume = nextRequest(ConnectRequest::hasResumeRequest).request();
    assertTrue(resume.getResumeRequest().hasRequestTime());
    fake.answer(resume.getRequestId(), true, "");
    assertTrue(await(resumed).accepted());

    CompletionStage<RequestOutcome> exempted =
        agent.requestExemption(ExemptionScope.NO_SCREENSHOTS, ExemptionReason.SENSITIVE_WORK, "payroll week");
    ConnectRequest sent = nextRequest(ConnectRequest::hasExemptionRequest).request();
    ExemptionRequest exemption = sent.getExemptionRequest();
    assertEquals(io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS, exemption.getScope());
    assertEquals(io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK, exemption.getReason());
    assertEquals("payroll week", exemption.getComment());
    assertTrue(exemption.hasRequestTime());
    fake.answer(sent.getRequestId(), false, "one exemption of this scope is already pending");
    assertEquals(new RequestOutcome(false, "one exemption of this scope is already pending"), await(exempted));
  }

  @Test
  void requestsMadeOfflineGoUpInOrderOnReconnectStampedWhenAsked() throws Exception {
    DeviceAgent agent = startConnected();
    fake.refuseNextConnects(Integer.MAX_VALUE, Status.UNAVAILABLE);
    fake.failOpenStreams();
    nextSeen(ConnectSeen.class);

    Instant beforeAsk = Instant.now();
    CompletionStage<RequestOutcome> paused = agent.requestPause(Duration.ofMinutes(10));
    CompletionStage<RequestOutcome> exempted =
        agent.requestExemption(ExemptionScope.FULL, ExemptionReason.BATTERY, "");
    Instant afterAsk = Instant.now();
    // Another refused attempt after asking: the requests wait rather than go into a refused call.
    nextSeen(ConnectSeen.class);
    fake.refuseNextConnects(0, Status.UNAVAILABLE);

    RequestSeen pause = nextRequest(r -> r.hasPauseRequest() || r.hasExemptionRequest());
    assertTrue(pause.request().hasPauseRequest(), "asked first, sent first");
    Instant asked = instant(pause.request().getPauseRequest().getRequestTime());
    assertFalse(asked.isBefore(beforeAsk) || asked.isAfter(afterAsk), "stamped " + asked + ", not when sent");
    assertTrue(asked.isBefore(pause.receivedAt()));
    RequestSeen exemption = nextRequest(ConnectRequest::hasExemptionRequest);

    fake.answer(pause.request().getRequestId(), true, "");
    fake.answer(exemption.request().getRequestId(), true, "");
    assertTrue(await(paused).accepted());
    assertTrue(await(exempted).accepted());
  }

  @Test
  void stoppingTheAgentFailsItsUnansweredRequestsAndLaterOnes() throws Exception {
    DeviceAgent agent = startConnected();
    CompletionStage<RequestOutcome> pending = agent.requestPause(Duration.ofMinutes(5));
    nextRequest(ConnectRequest::hasPauseRequest);

    agent.stop();

    assertTrue(awaitFailure(pending).getMessage().contains("stopped"));
    Eventually.await(WAIT, agent::toString, () -> agent.status() == LinkStatus.STOPPED);
    assertTrue(awaitFailure(agent.requestResume()).getMessage().contains("stopped"));
  }

  @Test
  void pauseUpdatesSetAndClearTheActivePause() throws Exception {
    DeviceAgent agent = startConnected();
    assertEquals(Optional.empty(), agent.activePause());
    // A pause in force now: one that is already over does not show as active.
    Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Instant end = start.plus(Duration.ofMinutes(15));

    fake.pushPause(
        PauseUpdate.newBuilder()
            .setActivePause(Pause.newBuilder().setStartTime(timestamp(start)).setEndTime(timestamp(end)))
            .setPausesLeftToday(2)
            .build());

    await(agent.whenControls(c -> c.activePause().isPresent()));
    assertEquals(Optional.of(new ActivePause(start, end)), agent.activePause());
    assertEquals(2, agent.pausesLeftToday().count());

    fake.pushPause(PauseUpdate.newBuilder().setPausesLeftToday(2).build());

    EmployeeControls cleared = await(agent.whenControls(c -> c.activePause().isEmpty()));
    assertEquals(2, cleared.pausesLeftToday().count());
    assertEquals(Optional.empty(), agent.activePause());
  }

  @Test
  void exemptionUpdatesReplaceTheExemptions() throws Exception {
    DeviceAgent agent = startConnected();
    Instant asked = Instant.parse("2025-03-03T09:00:00Z");
    Instant decided = asked.plus(Duration.ofHours(1));
    Instant expires = asked.plus(Duration.ofDays(7));
    Exemption requested =
        Exemption.newBuilder()
            .setExemptionId("ex-1")
            .setDeviceId("laptop-1")
            .setScope(io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_FULL)
            .setReason(io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK)
            .setComment("medical appointment calls")
            .setStatus(io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_REQUESTED)
            .setRequestTime(timestamp(asked))
            .build();
    Exemption approved =
        requested.toBuilder()
            .setExemptionId("ex-2")
            .setScope(io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS)
            .setReason(io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BANDWIDTH)
            .setStatus(io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_APPROVED)
            .setExpireTime(timestamp(expires))
            .setDecidedBy("hr@example.com")
            .setDecideTime(timestamp(decided))
            .build();

    fake.pushExemptions(ExemptionUpdate.newBuilder().addExemptions(requested).addExemptions(approved).build());

    await(agent.whenControls(c -> c.exemptions().size() == 2));
    assertEquals(
        List.of(
            new ExemptionRecord("ex-1", ExemptionScope.FULL, ExemptionReason.SENSITIVE_WORK,
                "medical appointment calls", ExemptionStatus.REQUESTED, asked, null, "", "", null),
            new ExemptionRecord("ex-2", ExemptionScope.NO_SCREENSHOTS, ExemptionReason.BANDWIDTH,
                "medical appointment calls", ExemptionStatus.APPROVED, asked, expires, "hr@example.com", "",
                decided)),
        agent.exemptions());

    Exemption denied =
        requested.toBuilder()
            .setStatus(io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_DENIED)
            .setDecidedBy("privacy@example.com")
            .setDecisionReason("use the pause instead")
            .setDecideTime(timestamp(decided))
            .build();
    fake.pushExemptions(ExemptionUpdate.newBuilder().addExemptions(denied).build());

    await(agent.whenControls(c -> c.exemptions().size() == 1));
    ExemptionRecord only = agent.exemptions().get(0);
    assertEquals(ExemptionStatus.DENIED, only.status());
    assertEquals("privacy@example.com", only.decidedBy());
    assertEquals("use the pause instead", only.decisionReason());
  }

  // --- helpers ---

  /** Started, and the controller has spoken on its stream, so requests go up at once. */
  private DeviceAgent startConnected() throws Exception {
    TelemetrySource telemetry = new FixedTelemetry(TelemetrySample.device(true, 55, false, false, 1024));
    DeviceAgent agent = DeviceAgent.start(testKit.system(), settings(), client, telemetry);
    agents.add(agent);
    nextSeen(ConnectSeen.class);
    await(agent.whenControls(c -> c.pausesLeftToday().count() == PAUSES_LEFT_ON_CONNECT));
    return agent;
  }

  private AgentSettings settings() {
    return AgentSettings.fromConfig(testKit.system().settings().config())
        .withController(controller.address())
        .withEnrollmentToken(TOKEN)
        .withIdentity(new DeviceIdentity("laptop-1", "ada@example.com", "US", Map.of(), "test", "Europe/Berlin"))
        .withBackoff(new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(30)));
  }

  /** The next upward request that matches, skipping the rest of what the fake saw. */
  private RequestSeen nextRequest(Predicate<ConnectRequest> wanted) {
    List<Seen> fished =
        seen.fishForMessage(
            WAIT,
            m -> m instanceof RequestSeen r && wanted.test(r.request())
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    return (RequestSeen) fished.get(fished.size() - 1);
  }

  private <T extends Seen> T nextSeen(Class<T> type) {
    List<Seen> fished =
        seen.fishForMessage(
            WAIT, m -> type.isInstance(m) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(fished.get(fished.size() - 1));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static RequestUnansweredException awaitFailure(CompletionStage<?> stage) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> await(stage));
    return assertInstanceOf(RequestUnansweredException.class, failed.getCause());
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
