package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pauses, exemptions, notices and upload counting: every command path, and their timers. */
class DeviceControlsTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Instant START = Instant.parse("2026-11-23T15:00:00Z"); // 10:00 in New York
  private static final String HASH = "nonce-1";
  private static final DeviceIdentity IDENTITY = new DeviceIdentity(
      "laptop-9", "bo@example.com", "US", Map.of(), "0.1.0", "America/New_York");

  private MutableClock clock;
  private EventSourcedBehaviorTestKit<DeviceCommand, DeviceEvent, DeviceState> kit;
  private TestProbe<AgentPush> stream;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        DeviceEntity.create("laptop-9", PresenceDirectory.NONE, clock));
    Policy policy = withPause(Policy.starter("default", 1), new PauseRules(Duration.ofMinutes(30), 2));
    kit.<StatusReply<EnrollOutcome>>runCommand(r -> new DeviceCommand.Enroll(IDENTITY, "enrollment-1", HASH, null, "et-1", policy, r));
    summary(r -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), r));
    stream = testKit.createTestProbe();
    summary(r -> new DeviceCommand.AttachConnection(HASH, stream.ref(), r));
    kit.runCommand(new DeviceCommand.Heartbeat(START, DeviceTelemetry.UNKNOWN, new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0", null, null));
    stream.receiveSeveralMessages(3); // policy, pause state, exemptions on attach
  }

  private static Policy withPause(Policy p, PauseRules pause) {
    return new Policy(p.name(), p.version(), p.captureKinds(), p.allowlist(), p.denylist(), pause,
        p.schedule(), p.bandwidth(), p.battery(), p.jurisdictions(), p.offlineLimit(), p.heartbeatInterval(),
        p.noticeText());
  }

  private CommandResultWithReply<DeviceCommand, DeviceEvent, DeviceState, StatusReply<DeviceSummary>>
      summary(Function<ActorRef<StatusReply<DeviceSummary>>, DeviceCommand> command) {
    return kit.runCommand(command);
  }

  private CommandResultWithReply<DeviceCommand, DeviceEvent, DeviceState, StatusReply<ExemptionRecord>>
      exemption(Function<ActorRef<StatusReply<ExemptionRecord>>, DeviceCommand> command) {
    return kit.runCommand(command);
  }

  private DeviceSummary current() {
    return summary(DeviceCommand.GetSummary::new).reply().getValue();
  }

  // ---- pause ----

  @Test
  void pauseStartsIsPushedAndEndsOnTimeByItsTimer() {
    var result = summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(20), null, r));
    assertTrue(result.reply().isSuccess());
    assertEquals(START.plus(Duration.ofMinutes(20)), result.reply().getValue().pauseEnd());
    assertEquals(CaptureState.PAUSED, result.reply().getValue().captureState());
    assertEquals(1, result.reply().getValue().pausesLeftToday().count());
    var pushed = stream.expectMessageClass(AgentPush.PauseChanged.class);
    assertEquals(START.plus(Duration.ofMinutes(20)), pushed.pauseEnd());

    // The timer fires early (clock not there yet): nothing ends.
    assertTrue(kit.runCommand(new DeviceCommand.PauseTimerFired()).events().isEmpty());
    clock.advance(Duration.ofMinutes(20));
    var ended = kit.runCommand(new DeviceCommand.PauseTimerFired());
    assertEquals(1, ended.events().size());
    assertTrue(ended.events().get(0) instanceof DeviceEvent.PauseEnded e && !e.byEmployee());
    assertNull(stream.expectMessageClass(AgentPush.PauseChanged.class).pauseEnd());
    assertEquals(CaptureState.ACTIVE, current().captureState());
  }

  @Test
  void pauseRefusalsChangeNothing() {
    var tooLong = summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(31), null, r));
    assertTrue(tooLong.reply().isError());
    assertTrue(tooLong.reply().getError().getMessage().contains("30 minutes"), tooLong.reply().getError().getMessage());
    assertTrue(tooLong.events().isEmpty());
    assertTrue(summary(r -> new DeviceCommand.StartPause(null, Duration.ZERO, null, r)).reply().isError());

    summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(5), null, r));
    var whilePaused = summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(5), null, r));
    assertTrue(whilePaused.reply().isError());
    assertTrue(whilePaused.events().isEmpty());
  }

  @Test
  void dailyQuotaOfPausesIsCountedInTheDevicesOwnDay() {
    for (int i = 0; i < 2; i++) {
      summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(1), null, r));
      assertTrue(summary(r -> new DeviceCommand.EndPause(null, r)).reply().isSuccess());
    }
    var third = summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(1), null, r));
    assertTrue(third.reply().isError());
    assertTrue(third.events().isEmpty());
    // 14 hours later it is past midnight in New York: a new day, new pauses.
    clock.advance(Duration.ofHours(14));
    assertTrue(summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(1), null, r)).reply().isSuccess());
  }

  @Test
  void resumeByHandEndsThePauseAndResumingWhenNotPausedIsRefused() {
    assertTrue(summary(r -> new DeviceCommand.EndPause(null, r)).reply().isError());
    summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(10), null, r));
    var resumed = summary(r -> new DeviceCommand.EndPause(null, r));
    assertTrue(resumed.events().get(0) instanceof DeviceEvent.PauseEnded e && e.byEmployee());
    assertNull(resumed.reply().getValue().pauseEnd());
  }

  @Test
  void aPauseMadeOfflineStartsWhenTheEmployeeAsked() {
    Instant asked = START.minus(Duration.ofMinutes(10));
    var result = summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(30), asked, r));
    assertEquals(asked.plus(Duration.ofMinutes(30)), result.reply().getValue().pauseEnd());
  }

  @Test
  void aPauseThatEndedWhileTheEntityWasDownEndsAtRecovery() throws Exception {
    summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(10), null, r));
    clock.advance(Duration.ofMinutes(15));
    kit.restart();
    // The timer set at recovery fires at once; the pause ends as a journaled fact.
    awaitState(s -> s.pause().end() == null);
    assertNull(current().pauseEnd());
  }

  private void awaitState(java.util.function.Predicate<DeviceState> condition) throws InterruptedException {
    for (int i = 0; i < 50 && !condition.test(kit.getState()); i++) {
      Thread.sleep(50);
    }
    assertTrue(condition.test(kit.getState()), "state never matched: " + kit.getState());
  }

  // ---- exemptions ----

  private String requestFull() {
    var requested = exemption(r -> new DeviceCommand.RequestExemption(null, ExemptionScope.FULL,
        ExemptionReason.SENSITIVE_WORK, "medical appointment booking", null, r));
    assertTrue(requested.reply().isSuccess());
    assertEquals(ExemptionStatus.REQUESTED, requested.reply().getValue().status());
    stream.expectMessageClass(AgentPush.ExemptionsChanged.class);
    return requested.reply().getValue().exemptionId();
  }

  @Test
  void approvedExemptionMakesTheDeviceExemptUntilItExpiresByItself() {
    String id = requestFull();
    var approved = exemption(r -> new DeviceCommand.ApproveExemption(id, START.plus(Duration.ofHours(2)), "hr-ana", r));
    assertEquals(ExemptionStatus.APPROVED, approved.reply().getValue().status());
    assertEquals("hr-ana", approved.reply().getValue().decidedBy());
    assertEquals(CaptureState.EXEMPT, current().captureState());
    stream.expectMessageClass(AgentPush.ExemptionsChanged.class);

    clock.advance(Duration.ofHours(2));
    var expired = kit.runCommand(new DeviceCommand.ExemptionTimerFired(id));
    assertTrue(expired.events().get(0) instanceof DeviceEvent.ExemptionExpired);
    assertEquals(ExemptionStatus.EXPIRED, current().exemptions().get(0).status());
    assertEquals(CaptureState.ACTIVE, current().captureState());
  }

  @Test
  void denialCarriesWhoAndWhyAndADecisionCannotBeMadeTwice() {
    String id = requestFull();
    var denied = exemption(r -> new DeviceCommand.DenyExemption(id, "not sensitive work", "hr-ana", r));
    assertEquals(ExemptionStatus.DENIED, denied.reply().getValue().status());
    assertEquals("not sensitive work", denied.reply().getValue().decisionReason());
    var again = exemption(r -> new DeviceCommand.ApproveExemption(id, START.plusSeconds(60), "hr-bo", r));
    assertTrue(again.reply().isError());
    assertTrue(again.events().isEmpty());
  }

  @Test
  void theSameApproversDecisionAgainIsAnsweredAsDoneAndAnotherIsRefused() {
    // An approver told UNAVAILABLE ("retry") cannot know whether the first call was journaled.
    String id = requestFull();
    Instant until = START.plus(Duration.ofHours(2));
    exemption(r -> new DeviceCommand.ApproveExemption(id, until, "hr-ana", r));
    stream.expectMessageClass(AgentPush.ExemptionsChanged.class);
    var retried = exemption(r -> new DeviceCommand.ApproveExemption(id, until, "hr-ana", r));
    assertTrue(retried.reply().isSuccess(), retried.reply().toString());
    assertEquals(ExemptionStatus.APPROVED, retried.reply().getValue().status());
    assertTrue(retried.events().isEmpty(), "nothing journaled twice");
    // "approve --until 2h" run again a little later asks for a later expiry: the answer is the one in force.
    var rerun = exemption(r -> new DeviceCommand.ApproveExemption(id, until.plusSeconds(60), "hr-ana", r));
    assertEquals(until, rerun.reply().getValue().expireTime());
    assertTrue(rerun.events().isEmpty());
    assertTrue(exemption(r -> new DeviceCommand.ApproveExemption(id, until, "hr-bo", r)).reply().isError(),
        "another approver's decision");
    assertTrue(exemption(r -> new DeviceCommand.DenyExemption(id, "no", "hr-ana", r)).reply().isError());

    String other = exemption(r -> new DeviceCommand.RequestExemption(null, ExemptionScope.NO_SCREENSHOTS,
        ExemptionReason.BANDWIDTH, "home quota", null, r)).reply().getValue().exemptionId();
    exemption(r -> new DeviceCommand.DenyExemption(other, "not sensitive work", "hr-ana", r));
    var denyRetried = exemption(r -> new DeviceCommand.DenyExemption(other, "not sensitive work", "hr-ana", r));
    assertTrue(denyRetried.reply().isSuccess());
    assertTrue(denyRetried.events().isEmpty());
    assertTrue(exemption(r -> new DeviceCommand.ApproveExemption(other, until, "hr-ana", r)).reply().isError(),
        "a denial is not approved by asking again");
  }

  @Test
  void anExemptionLongerThanPekkosLongestTimerIsApprovedAndAnEarlyTimerOnlyReArms() {
    String id = requestFull();
    // 300 days is past Pekko's ~248-day timer limit: the entity must not fail scheduling it.
    var approved = exemption(r -> new DeviceCommand.ApproveExemption(id, START.plus(Duration.ofDays(300)), "hr-ana", r));
    assertEquals(ExemptionStatus.APPROVED, approved.reply().getValue().status());
    clock.advance(Duration.ofDays(1));
    var early = kit.runCommand(new DeviceCommand.ExemptionTimerFired(id));
    assertTrue(early.events().isEmpty(), "a day in, the timer re-arms and nothing expires");
    assertEquals(CaptureState.EXEMPT, current().captureState());
  }

  @Test
  void revokeEndsAnExemptionInForceAndOnlyThat() {
    String id = requestFull();
    assertTrue(exemption(r -> new DeviceCommand.RevokeExemption(id, "x", "hr", r)).reply().isError());
    exemption(r -> new DeviceCommand.ApproveExemption(id, START.plus(Duration.ofDays(1)), "hr-ana", r));
    var revoked = exemption(r -> new DeviceCommand.RevokeExemption(id, "project finished", "hr-ana", r));
    assertEquals(ExemptionStatus.REVOKED, revoked.reply().getValue().status());
    assertEquals(CaptureState.ACTIVE, current().captureState());
  }

  @Test
  void exemptionRefusals() {
    assertTrue(exemption(r -> new DeviceCommand.ApproveExemption("ex-9", START.plusSeconds(60), "hr", r)).reply().isError());
    String id = requestFull();
    var past = exemption(r -> new DeviceCommand.ApproveExemption(id, START.minusSeconds(1), "hr", r));
    assertTrue(past.reply().isError());
    assertTrue(past.events().isEmpty());
    var duplicate = exemption(r -> new DeviceCommand.RequestExemption(null, ExemptionScope.FULL,
        ExemptionReason.OTHER, "again", null, r));
    assertTrue(duplicate.reply().isError());
    var partial = exemption(r -> new DeviceCommand.RequestExemption(null, ExemptionScope.NO_SCREENSHOTS,
        ExemptionReason.BANDWIDTH, "home quota", null, r));
    assertTrue(partial.reply().isSuccess());
    assertEquals("ex-2", partial.reply().getValue().exemptionId());
  }

  @Test
  void anExemptionThatExpiredWhileTheEntityWasDownExpiresAtRecovery() throws Exception {
    String id = requestFull();
    exemption(r -> new DeviceCommand.ApproveExemption(id, START.plus(Duration.ofMinutes(5)), "hr", r));
    clock.advance(Duration.ofMinutes(6));
    kit.restart();
    awaitState(s -> s.exemptions().all().get(0).status() == ExemptionStatus.EXPIRED);
  }

  // ---- notice and uploads ----

  @Test
  void noticeAcknowledgementIsJournaledOncePerVersion() {
    var first = summary(r -> new DeviceCommand.AcknowledgeNotice(null, new io.fleetcontrol.policy.PolicyVersion("default", 1), r));
    assertEquals(1, first.events().size());
    assertTrue(summary(r -> new DeviceCommand.AcknowledgeNotice(null, new io.fleetcontrol.policy.PolicyVersion("default", 1), r)).events().isEmpty());
    assertTrue(summary(r -> new DeviceCommand.AcknowledgeNotice(null, new io.fleetcontrol.policy.PolicyVersion("default", 5), r)).reply().isError());
  }

  @Test
  void uploadsAreCountedAndRolledUpNowAndThenNotOnEveryHeartbeat() {
    var telemetry = new DeviceTelemetry(true, 80, true, false, 1_000, 1, 1, 0);
    int journaled = 0;
    for (int i = 0; i < 30; i++) {
      clock.advance(Duration.ofSeconds(10));
      journaled += kit.runCommand(new DeviceCommand.Heartbeat(clock.instant(), telemetry, new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0", null, null)).events().size();
    }
    assertEquals(0, journaled, "five minutes of heartbeats journal nothing");
    assertEquals(30_000, current().uploadedBytesToday());
    for (int i = 0; i < 40; i++) {
      clock.advance(Duration.ofSeconds(10));
      journaled += kit.runCommand(new DeviceCommand.Heartbeat(clock.instant(), telemetry, new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0", null, null)).events().size();
    }
    assertEquals(1, journaled, "one roll-up after ten minutes");
    kit.restart();
    assertTrue(current().uploadedBytesToday() >= 60_000, "the roll-up survives a restart");
  }

  // ---- the agent's request ids ----

  @Test
  void aPauseSentAgainWithTheSameIdIsAnsweredAndNotTakenTwice() {
    var first = summary(r -> new DeviceCommand.StartPause("req-1", Duration.ofMinutes(20), null, r));
    assertEquals(1, first.events().size());
    var again = summary(r -> new DeviceCommand.StartPause("req-1", Duration.ofMinutes(20), null, r));
    assertTrue(again.reply().isSuccess(), "the same request is answered as taken, not as 'already paused'");
    assertTrue(again.events().isEmpty());
    assertEquals(1, again.reply().getValue().pausesLeftToday().count(), "one pause counted, not two");

    var another = summary(r -> new DeviceCommand.StartPause("req-2", Duration.ofMinutes(20), null, r));
    assertTrue(another.reply().isError(), "a different request is a second pause, refused while paused");

    var resumed = summary(r -> new DeviceCommand.EndPause("req-3", r));
    assertEquals(1, resumed.events().size());
    assertTrue(summary(r -> new DeviceCommand.EndPause("req-3", r)).reply().isSuccess());
  }

  @Test
  void anExemptionSentAgainReturnsTheOneItCreated() {
    var first = exemption(r -> new DeviceCommand.RequestExemption("req-x", ExemptionScope.NO_SCREENSHOTS,
        ExemptionReason.SENSITIVE_WORK, "payroll", START, r));
    var again = exemption(r -> new DeviceCommand.RequestExemption("req-x", ExemptionScope.NO_SCREENSHOTS,
        ExemptionReason.SENSITIVE_WORK, "payroll", START, r));
    assertTrue(again.events().isEmpty());
    assertEquals(first.reply().getValue().exemptionId(), again.reply().getValue().exemptionId());
    assertEquals(1, current().exemptions().size());
  }

  @Test
  void requestIdsSurviveARestartAndOnlyTheLast64AreKept() {
    summary(r -> new DeviceCommand.StartPause("kept", Duration.ofMinutes(5), null, r));
    kit.restart();
    assertTrue(summary(r -> new DeviceCommand.StartPause("kept", Duration.ofMinutes(5), null, r)).events().isEmpty(),
        "remembered after recovery");

    summary(r -> new DeviceCommand.EndPause("kept-end", r));
    // 32 more pauses, each started and ended by request: 64 newer ids (two pauses a day allowed).
    for (int i = 0; i < DeviceState.TakenRequests.REMEMBERED / 2; i++) {
      clock.advance(Duration.ofHours(12).plusMinutes(1));
      String n = String.valueOf(i);
      assertTrue(summary(r -> new DeviceCommand.StartPause("start-" + n, Duration.ofMinutes(5), null, r))
          .reply().isSuccess());
      assertTrue(summary(r -> new DeviceCommand.EndPause("end-" + n, r)).reply().isSuccess());
    }
    assertEquals(DeviceState.TakenRequests.REMEMBERED, kit.getState().taken().recent().size());
    assertTrue(kit.getState().taken().find("kept").isEmpty(), "the oldest are forgotten");
    assertTrue(kit.getState().taken().find("kept-end").isEmpty());
    assertTrue(kit.getState().taken().find("end-31").isPresent());
  }

  // ---- health roll-up ----

  @Test
  void heartbeatsRollUpIntoTheDevicesHealthAndPausesAreCounted() {
    for (int minute = 1; minute <= 20; minute++) {
      clock.advance(Duration.ofMinutes(1));
      kit.runCommand(new DeviceCommand.Heartbeat(clock.instant(),
          new DeviceTelemetry(true, 90 - minute, false, false, 500_000, 0.5, 60_000_000, minute == 5 ? 1 : 0),
          new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0", null, null));
    }
    summary(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(5), null, r));
    DeviceSummary now = current();
    assertEquals(21, now.health().samples(), "the setUp heartbeat and twenty more");
    assertEquals(60.0, now.health().batteryDrainPercentPerHour(), 0.5, "1 % a minute unplugged");
    assertEquals(1, now.health().agentErrors());
    assertEquals(60_000_000, now.health().agentRssBytesMax());
    assertEquals(1, now.pausesTakenToday());
    assertTrue(kit.getState().uploads().bytesToday() <= 20 * 500_000L, "health lives in memory, not the journal");
  }

  // ---- rollback ----

  @Test
  void aRevertPutsTheDeviceBackOnThePolicyItHadAndOnlyOnce() {
    Policy v1 = kit.getState().policies().target();
    Policy v2 = v1.withVersion(2);
    summary(r -> new DeviceCommand.AssignPolicy(v2, "ops", r));
    stream.expectMessageClass(AgentPush.PolicyChanged.class);

    var reverted = summary(r -> new DeviceCommand.RevertPolicy("default", 2, r));
    assertEquals(1, reverted.events().size());
    assertEquals(1, reverted.reply().getValue().targetPolicy().version());
    assertEquals(1, stream.expectMessageClass(AgentPush.PolicyChanged.class).policy().version());

    assertTrue(summary(r -> new DeviceCommand.RevertPolicy("default", 2, r)).events().isEmpty(),
        "no longer on v2: nothing to revert, so a repeated rollback moves nobody");
    assertTrue(summary(r -> new DeviceCommand.RevertPolicy("other", 1, r)).events().isEmpty());
    kit.restart();
    assertEquals(v2, kit.getState().policies().previous(), "the one before is known after recovery too");
  }
}
