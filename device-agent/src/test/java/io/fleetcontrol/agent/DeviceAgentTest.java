package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.FakeAgentService.ConnectSeen;
import io.fleetcontrol.agent.FakeAgentService.EnrollSeen;
import io.fleetcontrol.agent.FakeAgentService.RequestSeen;
import io.fleetcontrol.agent.FakeAgentService.Seen;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.Policy;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

@ExtendWith(LogCapturingExtension.class)
class DeviceAgentTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TOKEN = "enroll-me";
  private static final Duration TEST_HEARTBEAT = Duration.ofMillis(200);

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
  void enrollsPresentsItsCredentialAndAcksThePolicy() throws Exception {
    fake.assignPolicy(policy(7));
    DeviceAgent agent = start(settings(TOKEN));

    EnrollRequest enroll = seen.expectMessageClass(EnrollSeen.class, WAIT).request();
    assertEquals(TOKEN, enroll.getEnrollmentToken());
    assertEquals("laptop-1", enroll.getDeviceId());
    assertEquals("ada@example.com", enroll.getOwner());
    assertEquals("US", enroll.getJurisdiction());
    assertEquals(Map.of("team", "eng"), enroll.getLabelsMap());
    assertEquals("America/New_York", enroll.getTimeZone());

    ConnectSeen connect = seen.expectMessageClass(ConnectSeen.class, WAIT);
    assertEquals("laptop-1", connect.deviceId());
    assertEquals("Bearer cred-1", connect.authorization());

    ConnectRequest ack = nextRequest(ConnectRequest::hasPolicyAck);
    assertEquals(7, ack.getPolicyAck().getPolicy().getVersion());
    assertFalse(ack.getRequestId().isEmpty(), "an ack carries a request id the controller echoes");

    assertEquals(7L, agent.whenPolicyApplied(7).toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(LinkStatus.CONNECTED, agent.status());
    assertEquals(1, agent.policyUpdatesReceived());
  }

  @Test
  void heartbeatsAtThePolicysIntervalWithItsAppliedVersion() {
    fake.assignPolicy(policy(7));
    start(settings(TOKEN));
    nextRequest(ConnectRequest::hasPolicyAck);

    // The default interval is 10 s; three beats within the wait prove the policy's 200 ms took over.
    List<Heartbeat> beats = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      beats.add(nextRequest(ConnectRequest::hasHeartbeat).getHeartbeat());
    }
    for (Heartbeat beat : beats) {
      assertEquals(7, beat.getAppliedPolicy().getVersion());
      assertEquals("9.9.9-test", beat.getAgentVersion());
      assertEquals(55, beat.getTelemetry().getBatteryPercent());
    }
    for (int i = 1; i < beats.size(); i++) {
      Duration gap = Duration.between(sendTime(beats.get(i - 1)), sendTime(beats.get(i)));
      assertTrue(gap.toMillis() >= 150, "heartbeats " + gap.toMillis() + " ms apart, interval is 200 ms");
    }
  }

  @Test
  void sendsAHeartbeatAtOnceWhenTheControllerAsks() throws Exception {
    // An hour between heartbeats: any beat after the first one on connect was asked for.
    fake.assignPolicy(policy(7).toBuilder()
        .setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build());
    DeviceAgent agent = start(settings(TOKEN));
    agent.whenPolicyApplied(7).toCompletableFuture().get(10, TimeUnit.SECONDS);
    nextRequest(ConnectRequest::hasPolicyAck);
    // The heartbeat on connect and the ack, in either order; then quiet.
    boolean quiet = false;
    while (!quiet) {
      try {
        seen.receiveMessage(Duration.ofMillis(300));
      } catch (AssertionError nothingMore) {
        quiet = true;
      }
    }

    fake.requestHeartbeat();
    assertEquals(7, nextRequest(ConnectRequest::hasHeartbeat).getHeartbeat().getAppliedPolicy().getVersion());
  }

  @Test
  void appliesAndAcksAPolicyPushedOnTheOpenStream() throws Exception {
    fake.assignPolicy(policy(7));
    DeviceAgent agent = start(settings(TOKEN));
    agent.whenPolicyApplied(7).toCompletableFuture().get(10, TimeUnit.SECONDS);

    fake.pushPolicy(policy(8));

    assertEquals(8, nextRequest(r -> r.hasPolicyAck() && r.getPolicyAck().getPolicy().getVersion() == 8)
        .getPolicyAck().getPolicy().getVersion());
    agent.whenPolicyApplied(8).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, agent.policyUpdatesReceived());
  }

  @Test
  void reconnectsWithTheSameCredentialAfterTheStreamFails() throws Exception {
    fake.assignPolicy(policy(3));
    DeviceAgent agent = start(settings(TOKEN));
    agent.whenPolicyApplied(3).toCompletableFuture().get(10, TimeUnit.SECONDS);
    seen.expectMessageClass(EnrollSeen.class);
    seen.expectMessageClass(ConnectSeen.class);

    fake.failOpenStreams();

    ConnectSeen again = nextSeen(ConnectSeen.class);
    assertEquals("Bearer cred-1", again.authorization());
    assertEquals(3, nextRequest(ConnectRequest::hasPolicyAck).getPolicyAck().getPolicy().getVersion());
    Eventually.await(WAIT, agent::toString, () -> agent.policyUpdatesReceived() == 2);
    assertEquals(LinkStatus.CONNECTED, agent.status());
    assertTrue(agent.lastProblem().contains("UNAVAILABLE"), agent.lastProblem());
    assertEquals(1, fake.enrollCount());
  }

  @Test
  void retriesEnrollmentWhileTheControllerIsUnavailable() throws Exception {
    fake.assignPolicy(policy(1));
    fake.failNextEnrollments(2);
    DeviceAgent agent = start(settings(TOKEN));

    agent.whenPolicyApplied(1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(3, fake.enrollCount());
  }

  @Test
  void enrollsAgainOnceWhenTheControllerRefusesTheCredential() throws Exception {
    fake.assignPolicy(policy(4));
    fake.refuseNextConnects(1, Status.UNAUTHENTICATED);
    DeviceAgent agent = start(settings(TOKEN));

    seen.expectMessageClass(EnrollSeen.class, WAIT);
    assertEquals("Bearer cred-1", seen.expectMessageClass(ConnectSeen.class, WAIT).authorization());
    seen.expectMessageClass(EnrollSeen.class, WAIT);
    assertEquals("Bearer cred-2", seen.expectMessageClass(ConnectSeen.class, WAIT).authorization());
    agent.whenPolicyApplied(4).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(LinkStatus.CONNECTED, agent.status());
  }

  @Test
  void givesUpWhenTheFreshCredentialIsRefusedToo() {
    fake.assignPolicy(policy(4));
    fake.refuseNextConnects(Integer.MAX_VALUE, Status.UNAUTHENTICATED);
    DeviceAgent agent = start(settings(TOKEN));

    Eventually.await(WAIT, agent::toString, () -> agent.status() == LinkStatus.REJECTED);
    assertEquals(4, fake.enrollCount(), "the first, one at once, two more after backoff: not a loop");
    assertTrue(agent.lastProblem().contains("UNAUTHENTICATED"), agent.lastProblem());
  }

  @Test
  void givesUpOnACredentialTheControllerSaysIsAnotherDevices() {
    fake.refuseNextConnects(Integer.MAX_VALUE, Status.PERMISSION_DENIED);
    DeviceAgent agent = start(settings(TOKEN));

    Eventually.await(WAIT, agent::toString, () -> agent.status() == LinkStatus.REJECTED);
    assertEquals(1, fake.enrollCount());
    assertTrue(agent.lastProblem().contains("PERMISSION_DENIED"), agent.lastProblem());
  }

  @Test
  void givesUpOnAWrongEnrollmentToken() {
    DeviceAgent agent = start(settings("not-the-token"));

    Eventually.await(WAIT, agent::toString, () -> agent.status() == LinkStatus.REJECTED);
    assertEquals(1, fake.enrollCount());
    assertTrue(agent.lastProblem().contains("UNAUTHENTICATED"), agent.lastProblem());
  }

  // --- helpers ---

  private DeviceAgent start(AgentSettings settings) {
    TelemetrySource telemetry = new FixedTelemetry(TelemetrySample.device(true, 55, false, false, 1024));
    DeviceAgent agent = DeviceAgent.start(testKit.system(), settings, client, telemetry);
    agents.add(agent);
    return agent;
  }

  private AgentSettings settings(String token) {
    return AgentSettings.fromConfig(testKit.system().settings().config())
        .withController(controller.address())
        .withEnrollmentToken(token)
        .withIdentity(
            new DeviceIdentity("laptop-1", "ada@example.com", "US", Map.of("team", "eng"), "test", "America/New_York"))
        .withBackoff(new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(30)))
        .withAgentVersion("9.9.9-test");
  }

  private static Policy policy(long version) {
    return Policy.newBuilder()
        .setName("default")
        .setVersion(version)
        .setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setNanos(TEST_HEARTBEAT.getNano()))
        .build();
  }

  /** The next upward request that matches, skipping the rest of what the fake saw. */
  private ConnectRequest nextRequest(Predicate<ConnectRequest> wanted) {
    List<Seen> fished =
        seen.fishForMessage(
            WAIT,
            m -> m instanceof RequestSeen r && wanted.test(r.request())
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    return ((RequestSeen) fished.get(fished.size() - 1)).request();
  }

  private <T extends Seen> T nextSeen(Class<T> type) {
    List<Seen> fished =
        seen.fishForMessage(
            WAIT, m -> type.isInstance(m) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return type.cast(fished.get(fished.size() - 1));
  }

  private static Instant sendTime(Heartbeat beat) {
    return Instant.ofEpochSecond(beat.getSendTime().getSeconds(), beat.getSendTime().getNanos());
  }
}
