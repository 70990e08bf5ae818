package io.fleetcontrol.agent.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.EmployeeControls;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.BandwidthRules;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gate on its own: decisions from the state the agent shows it, with a clock the test moves. */
class CaptureGateTest {

  private static final Instant CONTACT = Instant.parse("2026-11-23T15:00:00Z");
  private static final CaptureRequest EXCEL_KEYS = CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.microsoft.Excel");

  private final MovableClock clock = new MovableClock(CONTACT);
  private final CaptureGate gate =
      new CaptureGate(clock, "US", ZoneId.of("America/New_York"), UploadCounters.EMPTY, new UploadMeter());
  private final Policy policy = Policy.starter("default", 3);

  @Test
  void withoutAPolicyNothingIsCaptured() {
    Decision decision = gate.check(EXCEL_KEYS);
    assertFalse(decision.allowed());
    assertEquals(CaptureState.NO_POLICY, decision.state());
  }

  @Test
  void offlineTheGateAnswersFromWhatItHoldsUntilTheOfflineLimit() {
    gate.show(AgentState.EMPTY.withPolicy(policy).withContact(CONTACT), false, DeviceTelemetry.UNKNOWN);

    clock.set(CONTACT.plus(policy.offlineLimit()).minusSeconds(1));
    assertTrue(gate.check(EXCEL_KEYS).allowed(), "offline, but within the limit");
    assertFalse(gate.check(CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com")).allowed(), "denylisted");

    clock.set(CONTACT.plus(policy.offlineLimit()).plusSeconds(1));
    Decision closed = gate.check(EXCEL_KEYS);
    assertFalse(closed.allowed());
    assertEquals(CaptureState.OFFLINE_FAIL_CLOSED, closed.state());
    assertEquals(CaptureState.OFFLINE_FAIL_CLOSED, gate.captureState().state());
  }

  @Test
  void whileConnectedTheOfflineLimitNeverCloses() {
    gate.show(AgentState.EMPTY.withPolicy(policy).withContact(CONTACT), true, DeviceTelemetry.UNKNOWN);
    clock.set(CONTACT.plus(Duration.ofDays(3)));
    assertTrue(gate.check(EXCEL_KEYS).allowed());
  }

  @Test
  void aLocalPauseClosesTheGateAtOnceAndEndsOnTime() {
    AgentState paused = AgentState.EMPTY.withPolicy(policy).withContact(CONTACT)
        .withLocalPause(new AgentState.LocalPause("r1", CONTACT, CONTACT.plusSeconds(600), false));
    gate.show(paused, false, DeviceTelemetry.UNKNOWN);
    assertEquals(CaptureState.PAUSED, gate.check(EXCEL_KEYS).state());
    clock.set(CONTACT.plusSeconds(601));
    assertTrue(gate.check(EXCEL_KEYS).allowed());
  }

  @Test
  void aLocalResumeOverridesTheControllersPause() {
    AgentState paused = AgentState.EMPTY.withPolicy(policy).withContact(CONTACT).withControls(
        new EmployeeControls(Optional.of(new ActivePause(CONTACT, CONTACT.plusSeconds(1800))), new io.fleetcontrol.policy.PausesLeft(1), List.of()));
    gate.show(paused, false, DeviceTelemetry.UNKNOWN);
    clock.set(CONTACT.plusSeconds(60));
    assertEquals(CaptureState.PAUSED, gate.check(EXCEL_KEYS).state());

    gate.show(paused.withLocalPause(new AgentState.LocalPause("r2", clock.instant(), clock.instant(), false)),
        false, DeviceTelemetry.UNKNOWN);
    assertTrue(gate.check(EXCEL_KEYS).allowed());
  }

  @Test
  void uploadsReportedHereCountTowardTheDailyCap() {
    Policy capped = new Policy(policy.name(), 4, policy.captureKinds(), policy.allowlist(), policy.denylist(),
        policy.pause(), null, new BandwidthRules(1_000_000, 0, BandwidthRules.MeteredNetworkAction.DEFER, 0),
        policy.battery(), policy.jurisdictions(), policy.offlineLimit(), policy.heartbeatInterval(), "");
    gate.show(AgentState.EMPTY.withPolicy(capped).withContact(CONTACT), true, DeviceTelemetry.UNKNOWN);
    gate.reportUpload(600_000);
    assertTrue(gate.check(EXCEL_KEYS).allowed());
    assertEquals(600_000, gate.uploadMeter().drain(), "the heartbeat takes what was reported");
    gate.reportUpload(400_000);
    assertEquals(CaptureState.BANDWIDTH_CAPPED, gate.check(EXCEL_KEYS).state());
    assertEquals(1_000_000, gate.uploads().bytesToday());
    assertThrows(IllegalArgumentException.class, () -> gate.reportUpload(-1));
  }

  @Test
  void aNewPolicyIsCompiledOnceAndTheSameOneIsKept() {
    gate.show(AgentState.EMPTY.withPolicy(policy).withContact(CONTACT), true, DeviceTelemetry.UNKNOWN);
    assertEquals(3, gate.policyVersion());
    gate.show(AgentState.EMPTY.withPolicy(policy.withVersion(4)).withContact(CONTACT), true, DeviceTelemetry.UNKNOWN);
    assertEquals(4, gate.policyVersion());
  }

  /** A clock the test moves by hand. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
