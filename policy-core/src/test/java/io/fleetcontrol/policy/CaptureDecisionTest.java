package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.DeviceBuilder.NOW;
import static io.fleetcontrol.policy.DeviceBuilder.device;
import static io.fleetcontrol.policy.PolicyBuilder.policy;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.BandwidthRules.MeteredNetworkAction;
import io.fleetcontrol.policy.Decision.Rule;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.EnumSet;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One test per rule of DESIGN.md's order, the reasons an employee reads, and the shared code paths. */
class CaptureDecisionTest {

  private static final CaptureRequest CLICK_IN_EXCEL = CaptureRequest.inApp(CaptureKind.CLICKS, "com.microsoft.Excel");
  private static final CaptureRequest SCREENSHOT_IN_EXCEL =
      CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "com.microsoft.Excel");

  private static Decision state(PolicyBuilder p, DeviceBuilder d) {
    return CaptureDecision.captureState(p.build(), d.build(), NOW);
  }

  private static Decision decide(PolicyBuilder p, DeviceBuilder d, CaptureRequest r) {
    return CaptureDecision.decide(p.build(), d.build(), NOW, r);
  }

  private static void assertState(CaptureState expected, Decision decision) {
    assertEquals(expected, decision.state(), decision.reason());
    assertEquals(expected == CaptureState.ACTIVE, decision.allowed(), decision.reason());
  }

  @Test
  void allowedWhenNothingRefuses() {
    assertState(CaptureState.ACTIVE, state(policy(), device()));
    Decision d = decide(policy(), device(), CLICK_IN_EXCEL);
    assertTrue(d.allowed(), d.reason());
    assertEquals(Rule.ALLOWED, d.rule());
    assertEquals("clicks allowed by allowlist entry com.microsoft.Excel (policy eng version 3)", d.reason());
  }

  @Nested
  class DeviceLevel {

    @Test
    void noPolicy() {
      Decision state = CaptureDecision.captureState(null, device().build(), NOW);
      assertState(CaptureState.NO_POLICY, state);
      assertEquals(Rule.NO_POLICY, state.rule());
      assertEquals(state, CaptureDecision.decide(null, device().build(), NOW, CLICK_IN_EXCEL));
    }

    @Test
    void noticeMustBeAcknowledgedForThisVersion() {
      PolicyBuilder withNotice = policy().notice("We record clicks in work apps.").version(3);
      Decision pending = state(withNotice, device().noticeAcknowledged(0));
      assertState(CaptureState.NOTICE_PENDING, pending);
      assertEquals(Rule.NOTICE_PENDING, pending.rule());
      assertTrue(pending.reason().contains("version 3"), pending.reason());
      assertState(CaptureState.NOTICE_PENDING, state(withNotice, device().noticeAcknowledged(2)));
      assertState(CaptureState.ACTIVE, state(withNotice, device().noticeAcknowledged(3)));
    }

    @Test
    void anotherPolicysNoticeAtTheSameVersionDoesNotCount() {
      PolicyBuilder engineering = policy().name("engineering").notice("We record clicks in work apps.").version(3);
      assertState(CaptureState.NOTICE_PENDING, state(engineering, device().noticeAcknowledged(new PolicyVersion("default", 3))));
      assertState(CaptureState.NOTICE_PENDING, state(engineering, device().noticeAcknowledged(new PolicyVersion("default", 9))));
      assertState(CaptureState.ACTIVE, state(engineering, device().noticeAcknowledged(new PolicyVersion("engineering", 3))));
    }

    @Test
    void aLaterAcknowledgementCountsSoARollbackDoesNotStopCapture() {
      assertState(CaptureState.ACTIVE, state(policy().notice("n").version(3), device().noticeAcknowledged(5)));
    }

    @Test
    void noNoticeTextNeedsNoAcknowledgement() {
      assertState(CaptureState.ACTIVE, state(policy().notice(""), device().noticeAcknowledged(0)));
      assertState(CaptureState.ACTIVE, state(policy().notice("  \n"), device().noticeAcknowledged(0)));
    }

    @Test
    void jurisdiction() {
      Decision germany = state(policy(), device().in("DE"));
      assertState(CaptureState.REGION_BLOCKED, germany);
      assertEquals(Rule.JURISDICTION, germany.rule());
      assertEquals("capture is not allowed in DE (only in US)", germany.reason());
      assertState(CaptureState.ACTIVE, state(policy().jurisdictions("US", "CA"), device().in("CA")));
      Decision unknown = state(policy(), device().in(null));
      assertState(CaptureState.REGION_BLOCKED, unknown);
      assertTrue(unknown.reason().contains("unknown"), unknown.reason());
    }

    @Test
    void fullExemptionUntilItExpires() {
      Exemption untilTenPastTen = new Exemption("ex-1", ExemptionScope.FULL, NOW.plus(Duration.ofMinutes(10)));
      Decision exempt = state(policy(), device().exemptions(untilTenPastTen));
      assertState(CaptureState.EXEMPT, exempt);
      assertEquals(Rule.FULL_EXEMPTION, exempt.rule());
      assertEquals("exempt from all capture until 2026-11-23 10:10 (device time)", exempt.reason());
      assertState(CaptureState.EXEMPT,
          state(policy(), device().exemptions(new Exemption("ex-2", ExemptionScope.FULL, null))));
      assertState(CaptureState.ACTIVE,
          state(policy(), device().exemptions(new Exemption("ex-3", ExemptionScope.FULL, NOW))));
    }

    @Test
    void partialExemptionsLeaveTheDeviceActive() {
      assertState(CaptureState.ACTIVE, state(policy(), device().exemptions(
          new Exemption("a", ExemptionScope.NO_SCREENSHOTS, null), new Exemption("b", ExemptionScope.NO_KEYSTROKES, null))));
    }

    @Test
    void offlineTooLongFailsClosed() {
      PolicyBuilder day = policy().offlineLimit(Duration.ofHours(24));
      Decision offline = state(day, device().lastContact(NOW.minus(Duration.ofHours(24)).minusSeconds(1)));
      assertState(CaptureState.OFFLINE_FAIL_CLOSED, offline);
      assertEquals(Rule.OFFLINE_LIMIT, offline.rule());
      assertTrue(offline.reason().contains("longer than 1 day"), offline.reason());
      assertState(CaptureState.ACTIVE, state(day, device().lastContact(NOW.minus(Duration.ofHours(24)))));
      assertState(CaptureState.OFFLINE_FAIL_CLOSED, state(day, device().lastContact(null)));
    }

    @Test
    void pauseUntilItsEnd() {
      Instant twoThirtyTwoInNewYork = Instant.parse("2026-11-23T19:32:00Z");
      Decision paused = state(policy(), device().pausedUntil(twoThirtyTwoInNewYork));
      assertState(CaptureState.PAUSED, paused);
      assertEquals(Rule.PAUSE, paused.rule());
      assertEquals("paused until 14:32 (device time)", paused.reason());
      assertState(CaptureState.ACTIVE, state(policy(), device().pausedUntil(NOW)));
      assertState(CaptureState.ACTIVE, state(policy(), device().pausedUntil(NOW.minusSeconds(60))));
    }

    @Test
    void scheduleInTheDevicesOwnZone() {
      Schedule weekdays = new Schedule(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0),
          LocalTime.of(18, 0));
      assertState(CaptureState.ACTIVE, state(policy().schedule(weekdays), device())); // Monday 10:00
      Instant mondayEvening = Instant.parse("2026-11-24T00:30:00Z"); // Tuesday in UTC, Monday 19:30 in New York
      Decision evening = CaptureDecision.captureState(policy().schedule(weekdays).build(),
          device().lastContact(mondayEvening).build(), mondayEvening);
      assertState(CaptureState.OUTSIDE_SCHEDULE, evening);
      assertEquals(Rule.SCHEDULE, evening.rule());
      assertEquals("outside working hours (08:00-18:00 on Mon, Tue, Wed, Thu, Fri, device time)", evening.reason());
    }

    @Test
    void batteryLowOnlyWhenKnownAndUnplugged() {
      PolicyBuilder min20 = policy().battery(new BatteryRules(20, false));
      Decision low = state(min20, device().battery(19, false, false));
      assertState(CaptureState.BATTERY_LOW, low);
      assertEquals(Rule.BATTERY, low.rule());
      assertEquals("battery at 19% and unplugged (capture stops below 20%)", low.reason());
      assertState(CaptureState.ACTIVE, state(min20, device().battery(20, false, false)));
      assertState(CaptureState.ACTIVE, state(min20, device().battery(5, true, false)));
      assertState(CaptureState.ACTIVE, state(min20, device().telemetry(DeviceTelemetry.UNKNOWN)));
      assertState(CaptureState.ACTIVE, state(min20, device().telemetry(null)));
      assertState(CaptureState.ACTIVE, state(policy().battery(BatteryRules.NONE), device().battery(1, false, false)));
    }

    @Test
    void dailyAndMonthlyUploadCaps() {
      PolicyBuilder capped = policy().bandwidth(new BandwidthRules(500_000_000, 5_000_000_000L, MeteredNetworkAction.DEFER, 0));
      Decision daily = state(capped, device().uploaded(500_000_000, 600_000_000));
      assertState(CaptureState.BANDWIDTH_CAPPED, daily);
      assertEquals(Rule.BANDWIDTH, daily.rule());
      assertEquals("daily upload cap of 500 MB reached", daily.reason());
      Decision monthly = state(capped, device().uploaded(0, 5_000_000_000L));
      assertEquals("monthly upload cap of 5 GB reached", monthly.reason());
      assertState(CaptureState.ACTIVE, state(capped, device().uploaded(499_999_999, 4_999_999_999L)));
      assertState(CaptureState.ACTIVE,
          state(policy().bandwidth(BandwidthRules.UNLIMITED), device().uploaded(Long.MAX_VALUE, Long.MAX_VALUE)));
    }

    @Test
    void onlyBlockStopsCaptureOnAMeteredNetwork() {
      Decision blocked = state(policy().bandwidth(new BandwidthRules(0, 0, MeteredNetworkAction.BLOCK, 0)),
          device().battery(80, true, true));
      assertState(CaptureState.BANDWIDTH_CAPPED, blocked);
      assertTrue(blocked.reason().contains("metered network"), blocked.reason());
      for (MeteredNetworkAction carryOn : new MeteredNetworkAction[] {MeteredNetworkAction.DEFER, MeteredNetworkAction.ALLOW}) {
        assertState(CaptureState.ACTIVE,
            state(policy().bandwidth(new BandwidthRules(0, 0, carryOn, 0)), device().battery(80, true, true)));
      }
      assertState(CaptureState.ACTIVE, state(policy().bandwidth(new BandwidthRules(0, 0, MeteredNetworkAction.BLOCK, 0)),
          device().battery(80, true, false)));
    }
  }

  @Nested
  class RequestLevel {

    @Test
    void theDenylistWinsOverTheAllowlistAndKeepsTheDeviceActive() {
      PolicyBuilder both = policy().allow(TargetRule.site("*.google.com")).deny(TargetRule.site("mail.google.com"));
      Decision mail = decide(both, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com"));
      assertFalse(mail.allowed());
      assertEquals(Rule.DENYLIST, mail.rule());
      assertEquals(CaptureState.ACTIVE, mail.state(), "a refused request does not change the device's state");
      assertEquals("mail.google.com is on the denylist (entry mail.google.com)", mail.reason());
      assertTrue(decide(both, device(), CaptureRequest.onSite(CaptureKind.CLICKS, "docs.google.com")).allowed());
    }

    @Test
    void aDenylistEntryRefusesOnlyTheKindsItCovers() {
      PolicyBuilder noShotsOfSlack =
          policy().allow(TargetRule.app("slack")).deny(TargetRule.app("slack", CaptureKind.SCREENSHOTS));
      assertEquals(Rule.DENYLIST, decide(noShotsOfSlack, device(), CaptureRequest.inApp(CaptureKind.SCREENSHOTS, "slack")).rule());
      assertTrue(decide(noShotsOfSlack, device(), CaptureRequest.inApp(CaptureKind.CLICKS, "slack")).allowed());
    }

    @Test
    void theDenylistIsCheckedBeforeTheKind() {
      PolicyBuilder clicksOnly = policy().kinds(CaptureKind.CLICKS);
      assertEquals(Rule.DENYLIST,
          decide(clicksOnly, device(), CaptureRequest.onSite(CaptureKind.SCREENSHOTS, "mail.google.com")).rule());
    }

    @Test
    void notOnTheAllowlist() {
      Decision spotify = decide(policy(), device(), CaptureRequest.inApp(CaptureKind.CLICKS, "com.spotify.client"));
      assertEquals(Rule.NOT_ON_ALLOWLIST, spotify.rule());
      assertEquals(CaptureState.ACTIVE, spotify.state());
      assertEquals("com.spotify.client is not on the allowlist for clicks", spotify.reason());
      // docs.google.com is listed for clicks and pointer only.
      assertEquals(Rule.NOT_ON_ALLOWLIST,
          decide(policy(), device(), CaptureRequest.onSite(CaptureKind.KEYSTROKES, "docs.google.com")).rule());
      assertTrue(decide(policy(), device(), CaptureRequest.onSite(CaptureKind.CLICKS, "docs.google.com")).allowed());
      assertEquals(Rule.NOT_ON_ALLOWLIST,
          decide(policy(), device(), new CaptureRequest(CaptureKind.CLICKS, null, null)).rule());
    }

    @Test
    void kindNotEnabled() {
      Decision shot = decide(policy().kinds(CaptureKind.CLICKS), device(), SCREENSHOT_IN_EXCEL);
      assertEquals(Rule.KIND_DISABLED, shot.rule());
      assertEquals(CaptureState.ACTIVE, shot.state());
      assertEquals("screenshots capture is not enabled by policy eng", shot.reason());
    }

    @Test
    void partialExemptionsRefuseTheirKindOnly() {
      DeviceBuilder noShots = device().exemptions(new Exemption("ex-2", ExemptionScope.NO_SCREENSHOTS, null));
      Decision shot = decide(policy(), noShots, SCREENSHOT_IN_EXCEL);
      assertEquals(Rule.PARTIAL_EXEMPTION, shot.rule());
      assertEquals(CaptureState.ACTIVE, shot.state());
      assertTrue(shot.reason().startsWith("exempt from screenshots"), shot.reason());
      assertTrue(decide(policy(), noShots, CLICK_IN_EXCEL).allowed());

      DeviceBuilder noKeys = device().exemptions(new Exemption("ex-3", ExemptionScope.NO_KEYSTROKES, NOW.plusSeconds(60)));
      assertEquals(Rule.PARTIAL_EXEMPTION,
          decide(policy(), noKeys, CaptureRequest.inApp(CaptureKind.KEYSTROKES, "com.microsoft.Excel")).rule());
      assertTrue(decide(policy(), noKeys, SCREENSHOT_IN_EXCEL).allowed());
    }

    @Test
    void anExpiredPartialExemptionNoLongerRefuses() {
      DeviceBuilder expired = device().exemptions(new Exemption("ex-4", ExemptionScope.NO_SCREENSHOTS, NOW));
      assertTrue(decide(policy(), expired, SCREENSHOT_IN_EXCEL).allowed());
    }

    @Test
    void screenshotsOnlyWhileCharging() {
      PolicyBuilder p = policy().battery(new BatteryRules(0, true));
      Decision unplugged = decide(p, device().battery(90, false, false), SCREENSHOT_IN_EXCEL);
      assertEquals(Rule.BATTERY, unplugged.rule());
      assertEquals(CaptureState.ACTIVE, unplugged.state());
      assertEquals("screenshots only while charging", unplugged.reason());
      assertEquals(Rule.BATTERY, decide(p, device().telemetry(DeviceTelemetry.UNKNOWN), SCREENSHOT_IN_EXCEL).rule(),
          "an unknown battery is not known to be charging");
      assertTrue(decide(p, device().battery(90, true, false), SCREENSHOT_IN_EXCEL).allowed());
      assertTrue(decide(p, device().battery(90, false, false), CLICK_IN_EXCEL).allowed());
    }
  }

  @Nested
  class SharedCode {

    @Test
    void decideReturnsTheCaptureStateWhenTheDeviceIsNotActive() {
      DeviceConditions paused = device().pausedUntil(NOW.plusSeconds(60)).build();
      Policy p = policy().build();
      assertEquals(CaptureDecision.captureState(p, paused, NOW), CaptureDecision.decide(p, paused, NOW, CLICK_IN_EXCEL));
    }

    @Test
    void aCompiledPolicyDecidesLikeTheStaticMethods() {
      Policy p = policy().build();
      CompiledPolicy compiled = CaptureDecision.compile(p);
      DeviceConditions d = device().build();
      for (CaptureRequest r : new CaptureRequest[] {CLICK_IN_EXCEL, SCREENSHOT_IN_EXCEL,
          CaptureRequest.onSite(CaptureKind.CLICKS, "mail.google.com"), CaptureRequest.onSite(CaptureKind.POINTER, "x.atlassian.net")}) {
        assertEquals(CaptureDecision.decide(p, d, NOW, r), compiled.decide(d, NOW, r));
      }
      assertEquals(CaptureDecision.captureState(p, d, NOW), compiled.captureState(d, NOW));
      assertSame(p, compiled.policy());
    }

    @Test
    void aCompiledPolicyKeepsItsOwnPolicyWhateverIsCompiledAfterIt() {
      // Was a process-wide "last compiled" cache: two callers deciding in turn on two policies
      // shared one slot. Each compiled policy is now its own, so neither sees the other's.
      Policy first = policy().build();
      Policy second = Policy.starter("other", 9);
      CompiledPolicy compiledFirst = CaptureDecision.compile(first);
      CompiledPolicy compiledSecond = CaptureDecision.compile(second);
      assertSame(first, compiledFirst.policy());
      assertSame(second, compiledSecond.policy());
      DeviceConditions d = device().build();
      assertEquals(CaptureDecision.decide(first, d, NOW, CLICK_IN_EXCEL), compiledFirst.decide(d, NOW, CLICK_IN_EXCEL));
    }

    @Test
    void anAllowIsTheSameAnswerEachTime() {
      CompiledPolicy compiled = CaptureDecision.compile(policy().build());
      DeviceConditions d = device().build();
      assertSame(compiled.decide(d, NOW, CLICK_IN_EXCEL), compiled.decide(d, NOW, CLICK_IN_EXCEL));
    }

    @Test
    void aRequestNeedsAKind() {
      assertThrows(NullPointerException.class,
          () -> CaptureDecision.decide(policy().build(), device().build(), NOW, CaptureRequest.inApp(null, "slack")));
    }

    @Test
    void everyDenialNamesARule() {
      Decision paused = decide(policy(), device().pausedUntil(NOW.plusSeconds(1)), CLICK_IN_EXCEL);
      assertAll(() -> assertFalse(paused.allowed()), () -> assertEquals(Rule.PAUSE, paused.rule()),
          () -> assertFalse(paused.reason().isBlank()));
    }
  }
}
