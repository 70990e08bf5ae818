package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import io.fleetcontrol.refusal.Refusal;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeviceEntityTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  private static final Instant NOW = Instant.parse("2026-11-22T15:00:00Z");
  private static final String SECRET_HASH = "nonce-a";
  private static final String ENROLLMENT = DeviceCredential.hashSecret("enrollment-a");
  private static final DeviceIdentity IDENTITY =
      new DeviceIdentity("laptop-1", "ana@example.com", "US", Map.of("team", "tax"), "0.1.0",
          "America/New_York");

  private final Map<String, CaptureState> presence = new ConcurrentHashMap<>();
  private EventSourcedBehaviorTestKit<DeviceCommand, DeviceEvent, DeviceState>
      kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    PresenceDirectory directory = (id, at, decision) -> presence.put(id, decision.state());
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            DeviceEntity.create("laptop-1", directory, Clock.fixed(NOW, ZoneOffset.UTC)));
  }

  private CommandResultWithReply<DeviceCommand, DeviceEvent, DeviceState,
          StatusReply<EnrollOutcome>>
      enroll(String nonce) {
    return enroll(ENROLLMENT, nonce, null);
  }

  private CommandResultWithReply<DeviceCommand, DeviceEvent, DeviceState,
          StatusReply<EnrollOutcome>>
      enroll(String enrollmentIdHash, String nonce, String presentedNonce) {
    return kit.runCommand(replyTo -> new DeviceCommand.Enroll(
        IDENTITY, enrollmentIdHash, nonce, presentedNonce, "et-1", Policy.starter("default", 1), replyTo));
  }

  private CommandResultWithReply<DeviceCommand, DeviceEvent, DeviceState,
          StatusReply<DeviceSummary>>
      ask(Function<ActorRef<StatusReply<DeviceSummary>>, DeviceCommand> command) {
    return kit.runCommand(command);
  }

  /** Counts what an entity reports of its lifecycle, as /metrics does. */
  private static final class RunningCount implements DeviceLifecycle {
    final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger recoveries = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void recovered(java.time.Duration took) {
      running.incrementAndGet();
      recoveries.incrementAndGet();
    }

    @Override
    public void recoveryFailed(java.time.Duration took) {}

    @Override
    public void stopped() {
      running.decrementAndGet();
    }
  }

  @Test
  void anEntityIsCountedOnceThroughAFailedWriteARestartAndAStop() throws Exception {
    var count = new RunningCount();
    var counted = EventSourcedBehaviorTestKit.<DeviceCommand, DeviceEvent, DeviceState>create(testKit.system(),
        DeviceEntity.create("laptop-2", (id, at, decision) -> { }, count, Clock.fixed(NOW, ZoneOffset.UTC)));
    assertTrue(counted.runCommand(DeviceCommand.GetSummary::new).reply().isError(), "started, not enrolled");
    assertEquals(1, count.running.get());

    // The write fails: the entity restarts after its backoff and recovers again, still one entity.
    org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system()).failNextPersisted();
    try {
      counted.<StatusReply<EnrollOutcome>>runCommand(replyTo -> new DeviceCommand.Enroll(
          IDENTITY, ENROLLMENT, "n", null, "et-1", Policy.starter("default", 1), replyTo));
    } catch (AssertionError noReply) {
      // A failed write is not answered; the employee's agent asks again.
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (count.recoveries.get() < 2 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(2, count.recoveries.get(), "recovered again after the failed write");
    assertEquals(1, count.running.get(), "a failed write does not count the entity twice");

    counted.restart();
    assertTrue(counted.runCommand(DeviceCommand.GetSummary::new).reply().isError());
    assertEquals(3, count.recoveries.get());
    assertEquals(1, count.running.get(), "a stop and a start");
  }

  @Test
  void unknownDeviceRefusesEverythingButEnrollAndChangesNothing() {
    var result = ask(DeviceCommand.GetSummary::new);
    assertTrue(result.reply().isError());
    assertEquals("device laptop-1 is not enrolled", result.reply().getError().getMessage());
    var ack = ask(replyTo -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), replyTo));
    assertTrue(ack.reply().isError());
    assertTrue(ack.events().isEmpty());
    // Every request is answered NotFound (the edge makes it NOT_FOUND); the rest are dropped unanswered.
    List<Function<ActorRef<StatusReply<DeviceSummary>>, DeviceCommand>> requests = List.of(
        r -> new DeviceCommand.StartPause("r1", java.time.Duration.ofMinutes(5), null, r),
        r -> new DeviceCommand.EndPause("r2", r),
        r -> new DeviceCommand.ResetDevice("ops", "new laptop", r),
        r -> new DeviceCommand.AttachConnection(SECRET_HASH, testKit.<AgentPush>createTestProbe().ref(), r));
    for (var request : requests) {
      var refused = ask(request);
      assertTrue(refused.events().isEmpty());
      assertInstanceOf(Refusal.NotFound.class, Refusal.of(refused.reply().getError()).orElseThrow());
    }
    assertTrue(kit.runCommand(new DeviceCommand.Heartbeat(NOW, DeviceTelemetry.UNKNOWN,
        io.fleetcontrol.policy.PolicyVersion.NONE, "0.1.0", null, null)).events().isEmpty());
    assertTrue(kit.runCommand(new DeviceCommand.PauseTimerFired()).events().isEmpty());
    assertTrue(presence.isEmpty(), "an unknown device is never reported present");
  }

  @Test
  void enrollmentPersistsIdentityAndAssignsTheInitialPolicy() {
    var result = enroll(SECRET_HASH);
    assertEquals(1, result.events().size(), "one journal row per enrollment: the policy rides in it");
    var enrolled = (DeviceEvent.DeviceEnrolled) result.events().get(0);
    assertEquals(1, enrolled.initialPolicy().version());
    assertEquals(new EnrollOutcome.Enrolled(false), result.reply().getValue());
    DeviceSummary summary = ask(DeviceCommand.GetSummary::new).reply().getValue();
    assertEquals(1, summary.targetPolicy().version());
    assertEquals(0, summary.appliedPolicy().version());
    assertEquals(CaptureState.NO_POLICY, summary.captureState());
    assertEquals(NOW, result.state().enrollment().enrollTime());

    kit.restart();
    assertEquals(summary, ask(DeviceCommand.GetSummary::new).reply().getValue(), "recovered from the one event");
  }

  @Test
  void theDirectoryIsToldOfEachEventOnceItIsJournaledAndNotAgainOnRecovery() {
    List<DeviceEvent> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    PresenceDirectory directory = new PresenceDirectory() {
      @Override
      public void heard(String deviceId, Instant at, io.fleetcontrol.policy.Decision decision) {}

      @Override
      public void journaled(DeviceEvent event) {
        told.add(event);
      }
    };
    var entity = EventSourcedBehaviorTestKit.<DeviceCommand, DeviceEvent, DeviceState>create(testKit.system(),
        DeviceEntity.create("laptop-1", directory, Clock.fixed(NOW, ZoneOffset.UTC)));
    List<DeviceEvent> journaled = new java.util.ArrayList<>(entity.<StatusReply<EnrollOutcome>>runCommand(replyTo ->
        new DeviceCommand.Enroll(IDENTITY, ENROLLMENT, SECRET_HASH, null, "et-1", Policy.starter("default", 1), replyTo))
        .events());
    journaled.addAll(entity.<StatusReply<DeviceSummary>>runCommand(replyTo ->
        new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), replyTo)).events());
    assertEquals(2, journaled.size());
    assertEquals(journaled, told);

    entity.restart();
    assertEquals(journaled, told, "a recovery replays events; it tells nothing again");
  }

  @Test
  void anEnrollmentJournaledAsTwoEventsRecoversAsOneDoes() {
    var oneEvent = enroll(SECRET_HASH).events().get(0);
    DeviceSummary fromOne = ask(DeviceCommand.GetSummary::new).reply().getValue();
    var e = (DeviceEvent.DeviceEnrolled) oneEvent;
    kit.clear();
    org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system())
        .persistForRecovery("Device|laptop-1", List.of(
            new DeviceEvent.DeviceEnrolled(e.deviceId(), e.identity(), e.credentialHash(), e.enrollmentIdHash(),
                e.tokenId(), e.enrollTime(), null),
            new DeviceEvent.PolicyAssigned(e.deviceId(), e.initialPolicy(), e.enrollTime(), "system")));
    kit.restart();
    assertEquals(fromOne, ask(DeviceCommand.GetSummary::new).reply().getValue());
  }

  @Test
  void attachWithWrongCredentialIsRefused() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    var result =
        ask(
            replyTo ->
                new DeviceCommand.AttachConnection(
                    "nonce-other", stream.ref(), replyTo));
    assertTrue(result.reply().isError());
    assertTrue(result.events().isEmpty());
    stream.expectNoMessage();
  }

  @Test
  void anEntityStartedAfterItsStreamAttachedAdoptsTheStreamFromItsHeartbeats() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    ask(replyTo -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), replyTo));
    stream.expectMessageClass(AgentPush.PolicyChanged.class);
    stream.receiveSeveralMessages(2); // pause and exemptions as on every attach

    kit.restart(); // as on another node after the first one died: memory (the stream) is gone
    kit.runCommand(new DeviceCommand.Heartbeat(NOW, io.fleetcontrol.policy.DeviceTelemetry.UNKNOWN, io.fleetcontrol.policy.PolicyVersion.NONE, "0.1.0",
        stream.ref(), SECRET_HASH));
    assertEquals(1, stream.expectMessageClass(AgentPush.PolicyChanged.class).policy().version(),
        "the stream hears the policy again");
    stream.receiveSeveralMessages(2);

    kit.runCommand(new DeviceCommand.Heartbeat(NOW, io.fleetcontrol.policy.DeviceTelemetry.UNKNOWN, io.fleetcontrol.policy.PolicyVersion.NONE, "0.1.0",
        stream.ref(), SECRET_HASH));
    stream.expectNoMessage(java.time.Duration.ofMillis(200));
  }

  @Test
  void attachPushesTheTargetPolicyAndTheAckIsPersistedOnce() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    var attach =
        ask(
            replyTo -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), replyTo));
    assertTrue(attach.reply().isSuccess());
    var pushed = stream.expectMessageClass(AgentPush.PolicyChanged.class);
    assertEquals(1, pushed.policy().version());

    var ack = ask(replyTo -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), replyTo));
    assertEquals(1, ack.events().size());
    assertEquals(1, ack.reply().getValue().appliedPolicy().version());
    assertEquals(CaptureState.ACTIVE, ack.reply().getValue().captureState());
    assertEquals(CaptureState.ACTIVE, presence.get("laptop-1"));

    var again = ask(replyTo -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), replyTo));
    assertTrue(again.events().isEmpty(), "a repeated ack is not journaled again");
    assertTrue(again.reply().isSuccess());
  }

  @Test
  void ackOfAVersionThatIsNotTheTargetIsRefused() {
    enroll(SECRET_HASH);
    var ack = ask(replyTo -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 7), replyTo));
    assertTrue(ack.reply().isError());
    assertTrue(ack.reply().getError().getMessage().contains("target is default v1"), ack.reply().getError().getMessage());
    assertTrue(ack.events().isEmpty());
  }

  @Test
  void anAckOfAnotherPolicysSameVersionNumberIsRefused() {
    enroll(SECRET_HASH);
    var ack = ask(replyTo -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("engineering", 1), replyTo));
    assertTrue(ack.reply().isError(), "engineering v1 is not default v1");
    assertTrue(ack.events().isEmpty());
    assertEquals(0, ask(DeviceCommand.GetSummary::new).reply().getValue().appliedPolicy().version());
  }

  @Test
  void heartbeatsAreNotJournaled() {
    enroll(SECRET_HASH);
    var telemetry = new DeviceTelemetry(true, 80, false, false, 1024, 1.5, 50_000_000, 0);
    for (int i = 0; i < 10; i++) {
      var result = kit.runCommand(new DeviceCommand.Heartbeat(NOW.plusSeconds(i), telemetry, io.fleetcontrol.policy.PolicyVersion.NONE, "0.1.0", null, null));
      assertTrue(result.events().isEmpty());
    }
    var summary = ask(DeviceCommand.GetSummary::new).reply().getValue();
    assertEquals(NOW.plusSeconds(9), summary.lastSeen());
    assertEquals(80, summary.latestTelemetry().batteryPercent());
  }

  @Test
  void newPolicyIsPushedToTheOpenStreamAndANewerStreamSupersedesTheOldOnceItIsHeard() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> first = testKit.createTestProbe();
    TestProbe<AgentPush> second = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, first.ref(), r));
    expectAttachPushes(first);
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, second.ref(), r));
    expectAttachPushes(second);
    first.expectNoMessage(java.time.Duration.ofMillis(100));
    heartbeatThrough(second);
    first.expectMessageClass(AgentPush.Superseded.class);

    var assign = ask(r -> new DeviceCommand.AssignPolicy(Policy.starter("default", 2), "ops", r));
    assertEquals(1, assign.events().size());
    assertEquals(2, second.expectMessageClass(AgentPush.PolicyChanged.class).policy().version());
    first.expectNoMessage();
  }

  /**
   * In a cluster an attach can reach the entity after its ask timed out, from a stream the agent
   * already gave up (its node was down). It must not cut off the stream the agent uses now, and
   * the live stream's next heartbeat brings the pushes back to it.
   */
  @Test
  void aLateAttachFromAnAbandonedStreamDoesNotCutOffTheLiveOne() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> live = testKit.createTestProbe();
    TestProbe<AgentPush> abandoned = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, live.ref(), r));
    expectAttachPushes(live);
    heartbeatThrough(live);

    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, abandoned.ref(), r));
    kit.runCommand(new DeviceCommand.DetachConnection(abandoned.ref()));
    live.expectNoMessage(java.time.Duration.ofMillis(100)); // not Superseded
    heartbeatThrough(live);
    // The late attach's pushes went to the abandoned stream; the live one hears everything again.
    expectAttachPushes(live);
    live.expectNoMessage(java.time.Duration.ofMillis(100));

    ask(r -> new DeviceCommand.AssignPolicy(Policy.starter("default", 2), "ops", r));
    assertEquals(2, live.expectMessageClass(AgentPush.PolicyChanged.class).policy().version());
  }

  /**
   * After a node left the cluster, the node holding a device's stream announces it: an entity that
   * started afresh (its old node died with what the device said) takes the stream, tells it
   * everything and asks for a heartbeat. One that knows the stream already stays quiet.
   */
  @Test
  void anAnnouncedStreamIsAdoptedAndAskedForAHeartbeatOnce() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r));
    expectAttachPushes(stream);

    kit.restart();
    kit.runCommand(new DeviceCommand.StreamStillOpen(stream.ref(), SECRET_HASH));
    expectAttachPushes(stream);
    stream.expectMessageClass(AgentPush.HeartbeatWanted.class);

    kit.runCommand(new DeviceCommand.StreamStillOpen(stream.ref(), SECRET_HASH));
    stream.expectNoMessage(java.time.Duration.ofMillis(200));
  }

  private void heartbeatThrough(TestProbe<AgentPush> stream) {
    kit.runCommand(new DeviceCommand.Heartbeat(NOW, io.fleetcontrol.policy.DeviceTelemetry.UNKNOWN, io.fleetcontrol.policy.PolicyVersion.NONE, "0.1.0",
        stream.ref(), SECRET_HASH));
  }

  /** A fresh stream is told the policy, the pause state and the exemptions, in that order. */
  private static void expectAttachPushes(TestProbe<AgentPush> stream) {
    stream.expectMessageClass(AgentPush.PolicyChanged.class);
    stream.expectMessageClass(AgentPush.PauseChanged.class);
    stream.expectMessageClass(AgentPush.ExemptionsChanged.class);
  }

  @Test
  void theSameEnrollmentAgainGetsTheSameCredentialAndWritesNothing() {
    enroll(SECRET_HASH);
    var again = enroll(ENROLLMENT, SECRET_HASH, null);
    assertTrue(again.events().isEmpty());
    assertEquals(new EnrollOutcome.Enrolled(true), again.reply().getValue());
  }

  @Test
  void theSameEnrollmentUnderANewKeyGetsTheNewCredential() {
    enroll(SECRET_HASH);
    var underNewKey = enroll(ENROLLMENT, "hash-under-the-new-key", null);
    assertEquals(new EnrollOutcome.Enrolled(false), underNewKey.reply().getValue());
    assertTrue(underNewKey.events().get(0) instanceof DeviceEvent.DeviceReenrolled);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    assertTrue(ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r)).reply().isError());
    assertTrue(ask(r -> new DeviceCommand.AttachConnection("hash-under-the-new-key", stream.ref(), r)).reply().isSuccess());
  }

  @Test
  void anotherEnrollmentOfALiveIdIsRefusedAndTheLiveStreamKeepsGoing() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r));
    expectAttachPushes(stream);

    var takeover = enroll(DeviceCredential.hashSecret("attacker"), "nonce-attacker", null);
    assertEquals(new EnrollOutcome.AlreadyEnrolled(), takeover.reply().getValue());
    assertTrue(takeover.events().isEmpty());
    stream.expectNoMessage(java.time.Duration.ofMillis(200));
    var proofWithTheWrongNonce = enroll(DeviceCredential.hashSecret("attacker"), "nonce-attacker", "nonce-guess");
    assertEquals(new EnrollOutcome.AlreadyEnrolled(), proofWithTheWrongNonce.reply().getValue());
    assertTrue(ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r)).reply().isSuccess());
  }

  @Test
  void aRekeyWithTheCurrentCredentialRotatesIt() {
    enroll(SECRET_HASH);
    DeviceIdentity elsewhere = new DeviceIdentity("laptop-1", "ana@example.com", "FR", Map.of(), "0.2.0", "UTC");
    var rekey = kit.<StatusReply<EnrollOutcome>>runCommand(replyTo -> new DeviceCommand.Enroll(
        elsewhere, DeviceCredential.hashSecret("enrollment-b"), "nonce-b", SECRET_HASH, null, null, replyTo));
    assertEquals(new EnrollOutcome.Enrolled(false), rekey.reply().getValue());
    assertEquals("US", rekey.state().identity().jurisdiction(), "a re-key keeps who the device is");
    assertEquals(Map.of("team", "tax"), rekey.state().identity().labels());
    assertEquals("0.2.0", rekey.state().identity().agentVersion());
    assertTrue(rekey.events().get(0) instanceof DeviceEvent.DeviceReenrolled);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    assertTrue(ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r)).reply().isError());
    assertTrue(ask(r -> new DeviceCommand.AttachConnection("nonce-b", stream.ref(), r)).reply().isSuccess());
  }

  @Test
  void aResetClosesTheStreamRefusesTheOldCredentialAndTakesTheNextEnrollment() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r));
    expectAttachPushes(stream);

    var reset = ask(r -> new DeviceCommand.ResetDevice("ops", "new laptop", r));
    assertTrue(reset.events().get(0) instanceof DeviceEvent.DeviceReset);
    stream.expectMessageClass(AgentPush.CredentialWithdrawn.class);
    assertTrue(ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r)).reply().isError());

    assertEquals(new EnrollOutcome.Retired(), enroll(ENROLLMENT, "nonce-x", null).reply().getValue(),
        "the enrollment the admin reset away does not bring the old laptop back");
    var rekeyWithTheOldCredential = kit.<StatusReply<EnrollOutcome>>runCommand(replyTo -> new DeviceCommand.Enroll(
        IDENTITY, DeviceCredential.hashSecret("thief"), "nonce-y", SECRET_HASH, null, null, replyTo));
    assertEquals(new EnrollOutcome.AlreadyEnrolled(), rekeyWithTheOldCredential.reply().getValue(),
        "a reset credential proves nothing");
    var fresh = enroll(DeviceCredential.hashSecret("enrollment-new-laptop"), "nonce-c", null);
    assertEquals(new EnrollOutcome.Enrolled(false), fresh.reply().getValue());
    kit.restart();
    assertTrue(ask(r -> new DeviceCommand.AttachConnection("nonce-c", stream.ref(), r)).reply().isSuccess());
  }

  @Test
  void aRevokedDeviceLosesItsStreamAndCannotEnrollUntilReset() {
    enroll(SECRET_HASH);
    TestProbe<AgentPush> stream = testKit.createTestProbe();
    ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r));
    expectAttachPushes(stream);

    ask(r -> new DeviceCommand.RevokeDevice("ops", "stolen", r));
    stream.expectMessageClass(AgentPush.CredentialWithdrawn.class);
    kit.runCommand(new DeviceCommand.Heartbeat(NOW, io.fleetcontrol.policy.DeviceTelemetry.UNKNOWN, new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0",
        stream.ref(), SECRET_HASH));
    stream.expectMessageClass(AgentPush.CredentialWithdrawn.class); // a heartbeat in flight does not bring the stream back
    kit.restart();
    assertTrue(ask(r -> new DeviceCommand.AttachConnection(SECRET_HASH, stream.ref(), r)).reply().isError());
    assertEquals(new EnrollOutcome.Revoked(), enroll(ENROLLMENT, "nonce-d", null).reply().getValue());
    assertEquals(new EnrollOutcome.Revoked(), enroll(ENROLLMENT, "nonce-d", SECRET_HASH).reply().getValue());

    ask(r -> new DeviceCommand.ResetDevice("ops", "returned", r));
    var reinstalled = enroll(DeviceCredential.hashSecret("enrollment-reinstalled"), "nonce-d", null);
    assertEquals(new EnrollOutcome.Enrolled(false), reinstalled.reply().getValue());
  }

  @Test
  void recoveryRestoresEnrollmentAndAppliedVersion() {
    enroll(SECRET_HASH);
    ask(r -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), r));
    kit.restart();
    var summary = ask(DeviceCommand.GetSummary::new).reply().getValue();
    assertEquals("ana@example.com", summary.identity().owner());
    assertEquals(1, summary.appliedPolicy().version());
    assertEquals(1, summary.targetPolicy().version());
    assertEquals(NOW, summary.enrollTime());
  }

  @Test
  void timersWaitAtMostADaySoAYearLongExemptionDoesNotOverflowPekkosTimers() {
    java.time.Instant now = java.time.Instant.parse("2026-12-01T00:00:00Z");
    assertEquals(java.time.Duration.ofDays(1), DeviceTimers.delay(now, now.plus(java.time.Duration.ofDays(365))));
    assertEquals(java.time.Duration.ofMinutes(30), DeviceTimers.delay(now, now.plus(java.time.Duration.ofMinutes(30))));
    assertEquals(java.time.Duration.ZERO, DeviceTimers.delay(now, now.minusSeconds(5)));
  }
}
