package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.FakeAgentService.ConnectSeen;
import io.fleetcontrol.agent.FakeAgentService.RequestSeen;
import io.fleetcontrol.agent.FakeAgentService.Seen;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.AgentWire;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import io.fleetcontrol.agent.state.AgentCacheFile;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.agent.state.TamperedCaches;
import io.fleetcontrol.proto.agent.v1.AgentCache;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.wire.PolicyWire;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate with its cache on disk and a controller that comes and goes: it answers offline, after a
 * restart before any reconnect, fails closed on a damaged cache, and an offline pause reaches the
 * controller once the stream is back.
 */
@ExtendWith(LogCapturingExtension.class)
class OfflineGateTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TOKEN = "enroll-me";
  private static final CaptureRequest EXCEL_KEYS = CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.microsoft.Excel");

  @TempDir Path stateDir;

  private TestProbe<Seen> seen;
  private FakeAgentService fake;
  private FakeController controller;
  private AgentServiceClient client;
  private final List<DeviceAgent> agents = new ArrayList<>();

  @BeforeEach
  void startController() throws Exception {
    seen = testKit.createTestProbe();
    fake = new FakeAgentService(testKit.system(), TOKEN, seen.ref()::tell);
    fake.assignPolicy(PolicyWire.toProto(Policy.starter("default", 5)));
    controller = FakeController.start(testKit.system(), fake);
    client = AgentClients.create(testKit.system(), controller.address());
  }

  @AfterEach
  void stopAll() throws Exception {
    // Stopped for good before the temp dir goes: a stopping agent writes its cache one last time.
    for (DeviceAgent agent : List.copyOf(agents)) {
      stop(agent);
    }
    client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    controller.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void offlineTheGateAnswersFromThePolicyItHolds() throws Exception {
    DeviceAgent agent = start();
    await(agent.whenPolicyApplied(5));
    assertTrue(agent.gate().check(EXCEL_KEYS).allowed());

    goOffline();
    Eventually.await(WAIT, () -> "the agent to notice it is offline", () -> agent.status() != LinkStatus.CONNECTED);

    assertTrue(agent.gate().check(EXCEL_KEYS).allowed(), "offline, within the policy's offline limit");
    assertFalse(agent.gate().check(CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com")).allowed());
  }

  @Test
  void afterARestartTheGateAnswersBeforeTheControllerIsReached() throws Exception {
    DeviceAgent first = start();
    await(first.whenPolicyApplied(5));
    stop(first);
    goOffline();

    DeviceAgent second = start();
    assertEquals(5, second.gate().policyVersion(), "restored from disk");
    assertTrue(second.gate().check(EXCEL_KEYS).allowed());
    assertNotEquals(LinkStatus.CONNECTED, second.status());
  }

  @Test
  void aDamagedCacheFailsClosedUntilTheControllerSendsThePolicyAgain() throws Exception {
    DeviceAgent first = start();
    await(first.whenPolicyApplied(5));
    stop(first);
    Path cache = stateDir.resolve("cache.bin");
    byte[] bytes = Files.readAllBytes(cache);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(cache, bytes);
    fake.refuseNextConnects(1, Status.UNAVAILABLE);

    DeviceAgent second = start();
    assertEquals(CaptureState.NO_POLICY, second.gate().check(EXCEL_KEYS).state(), "no capture on a damaged cache");

    await(second.whenPolicyApplied(5));
    assertTrue(second.gate().check(EXCEL_KEYS).allowed(), "fetched afresh on reconnect");
  }

  @Test
  void aCacheEditedToAllowEverythingIsRefusedAtTheNextStart() throws Exception {
    DeviceAgent first = start();
    await(first.whenPolicyApplied(5));
    CaptureRequest mail = CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com");
    assertFalse(first.gate().check(mail).allowed(), "the policy denies mail");
    stop(first);
    goOffline();
    Path cache = stateDir.resolve("cache.bin");
    AgentCache permissive = TamperedCaches.allowingEverything(new AgentCacheFile(cache).read().orElseThrow());

    for (byte[] forged : List.of(TamperedCaches.authenticatedWithAnotherKey(permissive),
        TamperedCaches.withChecksumOnly(permissive))) {
      Files.write(cache, forged);
      DeviceAgent next = start();
      assertEquals(CaptureState.NO_POLICY, next.gate().check(mail).state(), "an edited cache is no policy");
      assertFalse(next.gate().check(EXCEL_KEYS).allowed());
      stop(next);
    }
  }

  @Test
  void aPauseMadeOfflineStopsCaptureAtOnceSurvivesARestartAndReachesTheControllerOnReconnect() throws Exception {
    DeviceAgent first = start();
    await(first.whenPolicyApplied(5));
    goOffline();
    Eventually.await(WAIT, () -> "the agent to notice it is offline", () -> first.status() != LinkStatus.CONNECTED);

    Instant asked = Instant.now();
    first.requestPause(Duration.ofMinutes(20));
    await(first.whenState(s -> s.localPause() != null));
    assertEquals(CaptureState.PAUSED, first.gate().check(EXCEL_KEYS).state(), "paused without the controller");
    stop(first);

    DeviceAgent second = start();
    assertEquals(CaptureState.PAUSED, second.gate().check(EXCEL_KEYS).state(), "the pause survived the restart");
    assertEquals(1, second.unansweredRequests().size());

    fake.refuseNextConnects(0, Status.UNAVAILABLE);
    RequestSeen pause = nextRequest(ConnectRequest::hasPauseRequest);
    assertEquals(1200, pause.request().getPauseRequest().getDuration().getSeconds());
    Instant stamped = io.fleetcontrol.wire.WireTime.fromProto(pause.request().getPauseRequest().getRequestTime());
    assertTrue(!stamped.isBefore(asked.minusMillis(1)) && stamped.isBefore(pause.receivedAt()),
        "stamped when the employee asked (" + stamped + "), not when it was sent");

    fake.answer(pause.request().getRequestId(), true, "");
    await(second.whenState(s -> s.localPause() != null && s.localPause().answered()));
    assertEquals(CaptureState.PAUSED, second.gate().check(EXCEL_KEYS).state(), "still paused until the update");
  }

  @Test
  void aRequestInFlightWhenTheStreamDropsGoesAgainWithTheSameId() throws Exception {
    DeviceAgent agent = start();
    await(agent.whenPolicyApplied(5));
    CompletionStage<RequestOutcome> outcome = agent.requestPause(Duration.ofMinutes(5));
    String firstId = nextRequest(ConnectRequest::hasPauseRequest).request().getRequestId();

    fake.failOpenStreams();
    nextSeen(ConnectSeen.class);
    RequestSeen again = nextRequest(ConnectRequest::hasPauseRequest);
    assertEquals(firstId, again.request().getRequestId(), "the controller de-duplicates by this id");

    fake.answer(firstId, true, "");
    assertTrue(await(outcome).accepted());
  }

  @Test
  void aRestartedAgentKeepsItsCredentialAndARefusedOneBuysAFreshEnrollment() throws Exception {
    DeviceAgent first = start();
    await(first.whenPolicyApplied(5));
    assertEquals(1, fake.enrollCount());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(stateDir.resolve("credential"))));
    stop(first);

    DeviceAgent second = start();
    Eventually.await(WAIT, () -> "the restarted agent to connect", () -> second.status() == LinkStatus.CONNECTED);
    assertEquals(1, fake.enrollCount(), "no new enrollment, so no rotated credential");
    stop(second);

    // A credential the controller no longer knows (its journal was wiped, say): refused, then enrolled afresh.
    Files.writeString(stateDir.resolve("credential"), "laptop-1\nnot-a-credential-the-controller-knows\n");
    DeviceAgent third = start();
    Eventually.await(WAIT, () -> "a fresh enrollment after the refusal", () -> fake.enrollCount() == 2);
    await(third.whenPolicyApplied(5));
    assertTrue(Files.readString(stateDir.resolve("credential")).endsWith("cred-2\n"), "the new one is kept");
  }

  // --- helpers ---

  private DeviceAgent start() {
    AgentSettings settings = AgentSettings.fromConfig(testKit.system().settings().config())
        .withController(controller.address())
        .withEnrollmentToken(TOKEN)
        .withIdentity(new DeviceIdentity("laptop-1", "ada@example.com", "US", Map.of(), "test", "America/New_York"))
        .withBackoff(new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(30)));
    DeviceAgent agent = DeviceAgent.start(testKit.system(), settings, client, FixedTelemetry.unknown(),
        new UploadMeter(), stateDir.resolve("cache.bin"), Clock.systemUTC());
    agents.add(agent);
    return agent;
  }

  private void stop(DeviceAgent agent) throws Exception {
    agent.stop();
    Eventually.await(WAIT, () -> "the agent to stop", () -> agent.status() == LinkStatus.STOPPED);
    agents.remove(agent);
  }

  /** The controller drops every stream and refuses new ones until the test lets it. */
  private void goOffline() {
    fake.refuseNextConnects(Integer.MAX_VALUE, Status.UNAVAILABLE);
    fake.failOpenStreams();
  }

  private RequestSeen nextRequest(Predicate<ConnectRequest> wanted) {
    List<Seen> fished = seen.fishForMessage(WAIT,
        m -> m instanceof RequestSeen r && wanted.test(r.request())
            ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return (RequestSeen) fished.get(fished.size() - 1);
  }

  private <T extends Seen> T nextSeen(Class<T> type) {
    List<Seen> fished = seen.fishForMessage(WAIT,
        m -> type.isInstance(m) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(fished.get(fished.size() - 1));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
