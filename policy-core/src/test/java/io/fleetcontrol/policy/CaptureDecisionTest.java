package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CaptureDecisionTest {

  private static final Instant NOW = Instant.parse("2026-11-22T15:00:00Z");
  private final Policy policy = Policy.starter("default", 3);

  private static DeviceConditions device(String jurisdiction, Instant lastContact, long noticeVersion) {
    DeviceConditions d = DeviceConditions.basic(jurisdiction, lastContact);
    return new DeviceConditions(d.jurisdiction(), d.timeZone(), d.lastControllerContact(), noticeVersion,
        null, java.util.List.of(), d.telemetry(), 0, 0);
  }

  @Test
  void noPolicyMeansNoCapture() {
    Decision d = CaptureDecision.captureState(null, device("US", NOW, 0), NOW);
    assertEquals(CaptureState.NO_POLICY, d.state());
    assertFalse(d.allowed());
  }

  @Test
  void usDeviceInContactIsActive() {
    Decision d = CaptureDecision.captureState(policy, device("US", NOW.minusSeconds(5), 0), NOW);
    assertEquals(CaptureState.ACTIVE, d.state());
    assertTrue(d.allowed());
  }

  @Test
  void deviceOutsideTheJurisdictionsIsRegionBlockedEvenWhenInContact() {
    Decision d = CaptureDecision.captureState(policy, device("DE", NOW, 0), NOW);
    assertEquals(CaptureState.REGION_BLOCKED, d.state());
    assertTrue(d.reason().contains("DE"), d.reason());
  }

  @Test
  void pastTheOfflineLimitFailsClosed() {
    Instant longAgo = NOW.minus(policy.offlineLimit()).minus(Duration.ofSeconds(1));
    assertEquals(
        CaptureState.OFFLINE_FAIL_CLOSED,
        CaptureDecision.captureState(policy, device("US", longAgo, 0), NOW).state());
    Instant justInside = NOW.minus(policy.offlineLimit());
    assertEquals(
        CaptureState.ACTIVE,
        CaptureDecision.captureState(policy, device("US", justInside, 0), NOW).state());
  }

  @Test
  void noticeMustBeAcknowledgedForThisVersionBeforeAnythingElse() {
    Policy p = policy.withVersion(4);
    Policy withNotice = new Policy("n", 4, p.captureKinds(), p.allowlist(), p.denylist(), p.pause(),
        p.schedule(), p.bandwidth(), p.battery(), p.jurisdictions(), p.offlineLimit(),
        p.heartbeatInterval(), "We record clicks in work apps.");
    assertEquals(CaptureState.NOTICE_PENDING,
        CaptureDecision.captureState(withNotice, device("DE", NOW, 3), NOW).state());
    assertEquals(CaptureState.ACTIVE,
        CaptureDecision.captureState(withNotice, device("US", NOW, 4), NOW).state());
  }
}
