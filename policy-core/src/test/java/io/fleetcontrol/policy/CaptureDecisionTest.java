package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.Fixtures.NOW;
import static io.fleetcontrol.policy.Fixtures.device;
import static io.fleetcontrol.policy.Fixtures.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per rule of DESIGN.md's order, plus the order itself and the matching edge cases. */
class CaptureDecisionTest {

  private static final DeviceTelemetry OK = new DeviceTelemetry(true, 80, false, false, 0, 0, 0, 0);
  private static final CaptureRequest CLICK_IN_EXCEL = CaptureRequest.inApp(CaptureKind.CLICKS, "com.microsoft.Excel");

  private static Decision state(Policy p, DeviceConditions d) {
    return CaptureDecision.captureState(p, d, NOW);
  }

  private static Decision decide(Policy p, DeviceConditions d, CaptureRequest r) {
    return CaptureDecision.decide(p, d, NOW, r);
  }

  @Test
  void allowedWhenNothingRefuses() {
    Decision d = decide(policy(), device(), CLICK_IN_EXCEL);
    assertTrue(d.allowed(), d.reason());
    assertEquals(CaptureState.ACTIVE, state(policy(), device()).state());
  }

  @Test
  void noPolicy() {
    assertEquals(CaptureState.NO_POLICY, state(null, device()).state());
    assertFalse(decide(null, device(), CLICK_IN_EXCEL).allowed());
  }

  @Test
  void noticeMustBeAcknowledgedForThisVersionFirst() {
    Policy p = Fixtures.withNotice(policy(), "We record clicks in work apps.");
    DeviceConditions elsewhereNoNotice = device("DE", NOW, 2, null, List.of(), OK, 0, 0);
    assertEquals(CaptureState.NOTICE_PENDING, state(p, elsewhereNoNotice).state());
    assertEquals(CaptureState.ACTIVE, state(p, device("US", NOW, 3, null, List.of(), OK, 0, 0)).state());
  }

  @Test
  void jurisdictionBeatsEverythingAfterIt() {
    DeviceConditions de = device("DE", NOW, 0, NOW.plusSeconds(60), List.of(new Exemption("e", Exemption.Scope.FULL, null)),
        OK, 0, 0);
    Decision d = state(policy(), de);
    assertEquals(CaptureState.REGION_BLOCKED, d.state());
    assertTrue(d.reason().contains("DE"));
  }

  @Test
  void fullExemptionUntilItExpires() {
    Exemption full = new Exemption("ex-1", Exemption.Scope.FULL, NOW.plusSeconds(60));
    assertEquals(CaptureState.EXEMPT, state(policy(), device("US", NOW, 0, null, List.of(full), OK, 0, 0)).state());
    Exemption expired = new Exemption("ex-1", Exemption.Scope.FULL, NOW);
    assertEquals(CaptureState.ACTIVE, state(policy(), device("US", NOW, 0, null, List.of(expired), OK, 0, 0)).state());
  }

  @Test
  void offlineLimitFailsClosed() {
    Instant tooLongAgo = NOW.minus(Duration.ofHours(24)).minusSeconds(1);
    assertEquals(CaptureState.OFFLINE_FAIL_CLOSED,
        state(policy(), device("US", tooLongAgo, 0, null, List.of(), OK, 0, 0)).state());
    assertEquals(CaptureState.OFFLINE_FAIL_CLOSED, state(policy(), device("US", null, 0, null, List.of(), OK, 0, 0)).state());
    assertEquals(CaptureState.ACTIVE,
        state(policy(), device("US", NOW.minus(Duration.ofHours(24)), 0, null, List.of(), OK, 0, 0)).state());
  }

  @Test
  void pauseUntilItsEnd() {
    Decision paused = state(policy(), device("US", NOW, 0, NOW.plusSeconds(1), List.of(), OK, 0, 0));
    assertEquals(CaptureState.PAUSED, paused.state());
    assertTrue(paused.reason().contains("10:00"), paused.reason());
    assertEquals(CaptureState.ACTIVE, state(policy(), device("US", NOW, 0, NOW, List.of(), OK, 0, 0)).state());
  }

  @Test
  void scheduleInTheDevicesOwnZone() {
    Policy p = Fixtures.with(policy(), PauseRules.DEFAULT, Fixtures.workingHours(), BandwidthRules.UNLIMITED,
        BatteryRules.NONE);
    assertEquals(CaptureState.ACTIVE, state(p, device()).state()); // Monday 10:00 New York
    Instant mondayNightNy = Instant.parse("2026-11-24T00:30:00Z"); // still Monday 19:30 in New York
    var d = device("US", mondayNightNy, 0, null, List.of(), OK, 0, 0);
    assertEquals(CaptureState.OUTSIDE_SCHEDULE, CaptureDecision.captureState(p, d, mondayNightNy).state());
    Instant saturday = Instant.parse("2026-11-28T15:00:00Z");
    assertEquals(CaptureState.OUTSIDE_SCHEDULE,
        CaptureDecision.captureState(p, device("US", saturday, 0, null, List.of(), OK, 0, 0), saturday).state());
  }

  @Test
  void nightShiftWindowSpansMidnightAndBelongsToItsStartDay() {
    Schedule night = new Schedule(EnumSet.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(6, 0));
    Policy p = Fixtures.with(policy(), PauseRules.DEFAULT, night, BandwidthRules.UNLIMITED, BatteryRules.NONE);
    Instant saturdayThreeAmNy = Instant.parse("2026-11-28T08:00:00Z");
    assertEquals(CaptureState.ACTIVE, CaptureDecision.captureState(p,
        device("US", saturdayThreeAmNy, 0, null, List.of(), OK, 0, 0), saturdayThreeAmNy).state());
    Instant sundayThreeAmNy = Instant.parse("2026-11-29T08:00:00Z");
    assertEquals(CaptureState.OUTSIDE_SCHEDULE, CaptureDecision.captureState(p,
        device("US", sundayThreeAmNy, 0, null, List.of(), OK, 0, 0), sundayThreeAmNy).state());
  }

  @Test
  void batteryLowOnlyWhenUnpluggedAndKnown() {
    Policy p = Fixtures.with(policy(), PauseRules.DEFAULT, null, BandwidthRules.UNLIMITED, new BatteryRules(20, false));
    assertEquals(CaptureState.BATTERY_LOW,
        state(p, device("US", NOW, 0, null, List.of(), Fixtures.battery(19, false), 0, 0)).state());
    assertEquals(CaptureState.ACTIVE, state(p, device("US", NOW, 0, null, List.of(), Fixtures.battery(19, true), 0, 0)).state());
    assertEquals(CaptureState.ACTIVE, state(p, device("US", NOW, 0, null, List.of(), DeviceTelemetry.UNKNOWN, 0, 0)).state());
  }

  @Test
  void bandwidthCapsAndMeteredBlock() {
    BandwidthRules caps = new BandwidthRules(1000, 5000, BandwidthRules.MeteredNetworkAction.BLOCK, 0);
    Policy p = Fixtures.with(policy(), PauseRules.DEFAULT, null, caps, BatteryRules.NONE);
    assertEquals(CaptureState.BANDWIDTH_CAPPED, state(p, device("US", NOW, 0, null, List.of(), OK, 1000, 1000)).state());
    assertEquals(CaptureState.BANDWIDTH_CAPPED, state(p, device("US", NOW, 0, null, List.of(), OK, 0, 5000)).state());
    assertEquals(CaptureState.ACTIVE, state(p, device("US", NOW, 0, null, List.of(), OK, 999, 4999)).state());
    assertEquals(CaptureState.BANDWIDTH_CAPPED, state(p, device("US", NOW, 0, null, List.of(), Fixtures.metered(), 0, 0)).state());
    Policy defer = Fixtures.with(policy(), PauseRules.DEFAULT, null, BandwidthRules.UNLIMITED, BatteryRules.NONE);
    assertEquals(CaptureState.ACTIVE, state(defer, device("US", NOW, 0, null, List.of(), Fixtures.metered(), 0, 0)).state());
  }

  @Test
  void denylistWinsOverTheAllowlist() {
    Policy both = new Policy("p", 1, EnumSet.allOf(CaptureKind.class), List.of(TargetRule.site("*.google.com")),
        List.of(TargetRule.site("mail.google.com")), PauseRules.DEFAULT, null, BandwidthRules.UNLIMITED,
        BatteryRules.NONE, Set.of("US"), Duration.ofHours(1), Duration.ofSeconds(10), "");
    Decision mail = decide(both, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com"));
    assertEquals(Decision.Rule.DENYLIST, mail.rule());
    assertEquals(CaptureState.ACTIVE, mail.state(), "a refused request does not change the device's state");
    assertTrue(decide(both, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "docs.google.com")).allowed());
  }

  @Test
  void onlyAllowlistedTargetsAndKinds() {
    assertEquals(Decision.Rule.NOT_ON_ALLOWLIST,
        decide(policy(), device(), CaptureRequest.inApp(CaptureKind.CLICKS, "com.spotify.client")).rule());
    // docs.google.com allows only clicks and pointer.
    assertEquals(Decision.Rule.NOT_ON_ALLOWLIST,
        decide(policy(), device(), CaptureRequest.onSite(CaptureKind.KEYSTROKES, "docs.google.com")).rule());
    assertTrue(decide(policy(), device(), CaptureRequest.onSite(CaptureKind.CLICKS, "docs.google.com")).allowed());
    Policy clicksOnly = Fixtures.withKinds(policy(), Set.of(CaptureKind.CLICKS));
    assertEquals(Decision.Rule.KIND_DISABLED,
        decide(clicksOnly, device(), CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.microsoft.Excel")).rule());
  }

  @Test
  void siteMatching() {
    Policy p = policy();
    assertTrue(decide(p, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "acme.atlassian.net")).allowed());
    assertTrue(decide(p, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "a.b.Atlassian.NET.")).allowed());
    assertFalse(decide(p, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "atlassian.net")).allowed(),
        "*.x matches subdomains only");
    assertFalse(decide(p, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "evilatlassian.net")).allowed());
    assertFalse(decide(p, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "sub.docs.google.com")).allowed(),
        "an exact entry does not match subdomains");
    assertFalse(decide(p, device(), CaptureRequest.inApp(CaptureKind.CLICKS, "docs.google.com")).allowed(),
        "apps match app entries only");
    assertTrue(decide(p, device(), CaptureRequest.inApp(CaptureKind.CLICKS, "COM.microsoft.excel")).allowed());
  }

  @Test
  void partialExemptionsRefuseTheirKindOnly() {
    var noShots = List.of(new Exemption("ex-2", Exemption.Scope.NO_SCREENSHOTS, NOW.plusSeconds(600)));
    var d = device("US", NOW, 0, null, noShots, OK, 0, 0);
    assertEquals(CaptureState.ACTIVE, state(policy(), d).state());
    assertEquals(Decision.Rule.PARTIAL_EXEMPTION,
        decide(policy(), d, CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.microsoft.Excel")).rule());
    assertTrue(decide(policy(), d, CLICK_IN_EXCEL).allowed());
    var noKeys = List.of(new Exemption("ex-3", Exemption.Scope.NO_KEYSTROKES, null));
    assertEquals(Decision.Rule.PARTIAL_EXEMPTION, decide(policy(), device("US", NOW, 0, null, noKeys, OK, 0, 0),
        CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.microsoft.Excel")).rule());
  }

  @Test
  void screenshotsOnlyWhileCharging() {
    Policy p = Fixtures.with(policy(), PauseRules.DEFAULT, null, BandwidthRules.UNLIMITED, new BatteryRules(0, true));
    CaptureRequest shot = CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.microsoft.Excel");
    assertEquals(Decision.Rule.BATTERY, decide(p, device("US", NOW, 0, null, List.of(), Fixtures.battery(90, false), 0, 0), shot).rule());
    assertTrue(decide(p, device("US", NOW, 0, null, List.of(), Fixtures.battery(90, true), 0, 0), shot).allowed());
    assertTrue(decide(p, device("US", NOW, 0, null, List.of(), Fixtures.battery(90, false), 0, 0), CLICK_IN_EXCEL).allowed());
  }
}
