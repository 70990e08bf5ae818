package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.PolicyBuilder.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.BandwidthRules.MeteredNetworkAction;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule a policy document must keep, with the field the refusal names. */
class PolicyValidatorTest {

  private static List<String> fields(PolicyBuilder p) {
    return PolicyValidator.validate(p.build()).stream().map(PolicyViolation::field).toList();
  }

  private static String message(PolicyBuilder p) {
    List<PolicyViolation> violations = PolicyValidator.validate(p.build());
    assertEquals(1, violations.size(), violations.toString());
    return violations.get(0).message();
  }

  private static void valid(PolicyBuilder p) {
    assertEquals(List.of(), PolicyValidator.validate(p.build()));
  }

  private static BandwidthRules caps(long daily, long monthly) {
    return new BandwidthRules(daily, monthly, MeteredNetworkAction.DEFER, 0);
  }

  @Test
  void goodPoliciesHaveNoViolations() {
    valid(policy());
    assertEquals(List.of(), PolicyValidator.validate(Policy.starter("default", 1)));
    valid(policy().schedule(new Schedule(EnumSet.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(6, 0)))
        .bandwidth(new BandwidthRules(500_000_000, 5_000_000_000L, MeteredNetworkAction.BLOCK, 1_000_000))
        .battery(new BatteryRules(20, true)).jurisdictions("US", "CA").notice("We record clicks in work apps."));
  }

  @Test
  void name() {
    for (String good : List.of("a", "eng", "eng-2", "0day", "x".repeat(64), "trailing-")) {
      valid(policy().name(good));
    }
    for (String bad : new String[] {"", "Eng", "with space", "-leading", "x".repeat(65), "a_b", "a.b", "ünicode", null}) {
      assertEquals(List.of("name"), fields(policy().name(bad)), String.valueOf(bad));
    }
  }

  @Test
  void captureKindsMustNameOne() {
    assertEquals(List.of("capture_kinds"), fields(policy().kinds().allow(TargetRule.app("slack"))));
  }

  @Test
  void sitePatterns() {
    for (String good : List.of("example.com", "*.example.com", "a-b.c.example.org", "xn--bcher-kva.de", "1.2.3.4",
        "a".repeat(63) + ".com")) {
      valid(policy().allow(TargetRule.site(good)));
    }
    assertTrue(message(policy().allow(TargetRule.site("http://example.com"))).contains("scheme"));
    assertTrue(message(policy().allow(TargetRule.site("example.com/mail"))).contains("path"));
    assertTrue(message(policy().allow(TargetRule.site("example.com:443"))).contains("port"));
    assertTrue(message(policy().allow(TargetRule.site("exa mple.com"))).contains("space"));
    assertTrue(message(policy().allow(TargetRule.site("*.*.example.com"))).contains("wildcard"));
    assertTrue(message(policy().allow(TargetRule.site("ex*ample.com"))).contains("wildcard"));
    assertTrue(message(policy().allow(TargetRule.site("example"))).contains("dot"));
    assertTrue(message(policy().allow(TargetRule.site("a..com"))).contains("empty label"));
    assertTrue(message(policy().allow(TargetRule.site("a".repeat(64) + ".com"))).contains("63"));
    assertTrue(message(policy().allow(TargetRule.site(("a".repeat(60) + ".").repeat(5) + "com"))).contains("253"));
    for (String bad : List.of("*", "-a.com", "a-.com", "EXAMPLE.com", "example.com.", "", "user@example.com")) {
      assertEquals(List.of("allowlist[0].pattern"), fields(policy().allow(TargetRule.site(bad))), bad);
      assertFalse(PolicyValidator.isValidSitePattern(bad), bad);
    }
  }

  @Test
  void appIds() {
    valid(policy().allow(TargetRule.app("com.microsoft.Excel"), TargetRule.app("my_app-2"), TargetRule.app("x".repeat(255))));
    for (String bad : List.of("", "with space", "x".repeat(256), "a/b", "semi;colon")) {
      assertEquals(List.of("denylist[0].pattern"), fields(policy().deny(TargetRule.app(bad))), bad);
    }
  }

  @Test
  void anEntryNeedsATarget() {
    assertEquals(List.of("allowlist[1]"),
        fields(policy().allow(TargetRule.app("slack"), new TargetRule(null, "x", Set.of()))));
  }

  @Test
  void duplicateEntriesAreRefusedIgnoringCase() {
    PolicyBuilder twice = policy().allow(TargetRule.app("slack"), TargetRule.app("Slack", CaptureKind.CLICKS));
    assertEquals(List.of("allowlist[1].pattern"), fields(twice));
    assertTrue(message(twice).contains("allowlist[0]"));
    assertEquals(List.of("denylist[2].pattern"), fields(policy().deny(
        TargetRule.site("a.com"), TargetRule.site("*.a.com"), TargetRule.site("a.com"))));
    valid(policy().allow(TargetRule.app("slack.com"), TargetRule.site("slack.com")));
  }

  @Test
  void anAllowlistKindThatIsNeverCapturedIsRefused() {
    PolicyBuilder clicksOnly = policy().kinds(CaptureKind.CLICKS).allow(TargetRule.app("slack", CaptureKind.SCREENSHOTS));
    assertEquals(List.of("allowlist[0].kinds"), fields(clicksOnly));
    assertEquals("screenshots is not in capture_kinds, so this entry could never allow it", message(clicksOnly));
    valid(policy().kinds(CaptureKind.CLICKS).allow(TargetRule.app("slack"))
        .deny(TargetRule.app("zoom", CaptureKind.SCREENSHOTS)));
  }

  @Test
  void listsHoldAtMostAThousandEntries() {
    List<TargetRule> thousand = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      thousand.add(TargetRule.app("app" + i));
    }
    valid(policy().allow(thousand).deny(thousand));
    List<TargetRule> more = new ArrayList<>(thousand);
    more.add(TargetRule.app("app-one-too-many"));
    assertEquals(List.of("allowlist"), fields(policy().allow(more)));
    assertEquals(List.of("denylist"), fields(policy().deny(more)));
  }

  @Test
  void pause() {
    valid(policy().pause(new PauseRules(PauseRules.HARD_CAP, 100)));
    valid(policy().pause(new PauseRules(Duration.ofSeconds(1), 0)));
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMinutes(-1), PauseRules.HARD_CAP.plusSeconds(1), null}) {
      assertEquals(List.of("pause.max_pause"), fields(policy().pause(new PauseRules(bad, 0))), String.valueOf(bad));
    }
    for (int bad : new int[] {-1, 101}) {
      assertEquals(List.of("pause.pauses_per_day"), fields(policy().pause(new PauseRules(Duration.ofMinutes(30), bad))));
    }
    assertEquals(List.of("pause"), fields(policy().pause(null)));
  }

  @Test
  void schedule() {
    Set<DayOfWeek> weekdays = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);
    valid(policy().schedule(null));
    assertEquals(List.of("schedule.days"), fields(policy().schedule(new Schedule(Set.of(), LocalTime.of(8, 0), LocalTime.of(18, 0)))));
    assertEquals(List.of("schedule.start_local_time"), fields(policy().schedule(new Schedule(weekdays, LocalTime.NOON, LocalTime.NOON))));
    assertEquals(List.of("schedule.start_local_time"), fields(policy().schedule(new Schedule(weekdays, null, LocalTime.NOON))));
    assertEquals(List.of("schedule.end_local_time"), fields(policy().schedule(new Schedule(weekdays, LocalTime.NOON, null))));
  }

  @Test
  void bandwidth() {
    valid(policy().bandwidth(caps(0, 0)));
    valid(policy().bandwidth(caps(100, 100)));
    valid(policy().bandwidth(caps(0, 100)));
    valid(policy().bandwidth(caps(100, 0)));
    assertEquals(List.of("bandwidth.daily_upload_cap_bytes"), fields(policy().bandwidth(caps(-1, 0))));
    assertEquals(List.of("bandwidth.monthly_upload_cap_bytes"), fields(policy().bandwidth(caps(0, -1))));
    assertEquals(List.of("bandwidth.monthly_upload_cap_bytes"), fields(policy().bandwidth(caps(100, 99))));
    assertEquals(List.of("bandwidth.upload_rate_limit_bytes_per_second"),
        fields(policy().bandwidth(new BandwidthRules(0, 0, MeteredNetworkAction.DEFER, -1))));
    assertEquals(List.of("bandwidth.metered_network_action"), fields(policy().bandwidth(new BandwidthRules(0, 0, null, 0))));
    assertEquals(List.of("bandwidth"), fields(policy().bandwidth(null)));
  }

  @Test
  void battery() {
    valid(policy().battery(new BatteryRules(0, true)));
    valid(policy().battery(new BatteryRules(100, false)));
    assertEquals(List.of("battery.min_percent_unplugged"), fields(policy().battery(new BatteryRules(-1, false))));
    assertEquals(List.of("battery.min_percent_unplugged"), fields(policy().battery(new BatteryRules(101, false))));
    assertEquals(List.of("battery"), fields(policy().battery(null)));
  }

  @Test
  void jurisdictionsAreNamedByTheirPositionAsWritten() {
    valid(policy().jurisdictions("US", "CA", "GB"));
    assertEquals(List.of("jurisdictions"), fields(policy().jurisdictions()));
    assertEquals(List.of("jurisdictions[2]"), fields(policy().jurisdictions("US", "CA", "usa")));
    assertEquals(List.of("jurisdictions[0]", "jurisdictions[1]"), fields(policy().jurisdictions("U", "DEU")));
  }

  @Test
  void offlineLimitAndHeartbeat() {
    valid(policy().offlineLimit(Duration.ofMinutes(1)).heartbeat(Duration.ofSeconds(59)));
    valid(policy().offlineLimit(Duration.ofDays(30)).heartbeat(Duration.ofMinutes(10)));
    for (Duration bad : new Duration[] {Duration.ofSeconds(59), Duration.ofDays(30).plusSeconds(1), Duration.ZERO, null}) {
      assertTrue(fields(policy().offlineLimit(bad)).contains("offline_limit"), String.valueOf(bad));
    }
    for (Duration bad : new Duration[] {Duration.ofMillis(999), Duration.ofMinutes(10).plusSeconds(1), Duration.ofSeconds(-1), null}) {
      assertEquals(List.of("heartbeat_interval"), fields(policy().heartbeat(bad)), String.valueOf(bad));
    }
    PolicyBuilder heartbeatAsLongAsOffline = policy().offlineLimit(Duration.ofMinutes(2)).heartbeat(Duration.ofMinutes(2));
    assertEquals(List.of("heartbeat_interval"), fields(heartbeatAsLongAsOffline));
    assertTrue(message(heartbeatAsLongAsOffline).contains("shorter than offline_limit"));
  }

  @Test
  void noticeText() {
    valid(policy().notice("n".repeat(10_000)));
    assertEquals(List.of("notice_text"), fields(policy().notice("n".repeat(10_001))));
  }

  @Test
  void everyViolationIsReportedNotJustTheFirst() {
    PolicyBuilder broken = policy().name("Bad Name").kinds().allow(TargetRule.site("http://x")).deny(TargetRule.app("a b"))
        .pause(new PauseRules(Duration.ofHours(9), -1)).bandwidth(new BandwidthRules(-1, -1, null, -1))
        .battery(new BatteryRules(101, false)).jurisdictions("usa").offlineLimit(Duration.ofSeconds(5))
        .heartbeat(Duration.ZERO).notice("n".repeat(10_001));
    assertEquals(List.of("name", "capture_kinds", "allowlist[0].pattern", "denylist[0].pattern", "pause.max_pause",
        "pause.pauses_per_day", "bandwidth.daily_upload_cap_bytes", "bandwidth.monthly_upload_cap_bytes",
        "bandwidth.upload_rate_limit_bytes_per_second", "bandwidth.metered_network_action",
        "battery.min_percent_unplugged", "jurisdictions[0]", "offline_limit", "heartbeat_interval", "notice_text"),
        fields(broken));
  }

  @Test
  void requireValidReturnsAGoodPolicyAndThrowsNamingEveryField() {
    Policy good = policy().build();
    assertSame(good, PolicyValidator.requireValid(good));
    Policy bad = policy().name("").battery(new BatteryRules(101, false)).build();
    InvalidPolicyException e = assertThrows(InvalidPolicyException.class, () -> PolicyValidator.requireValid(bad));
    assertEquals(PolicyValidator.validate(bad), e.violations());
    assertEquals("name: must be 1 to 64 characters of a-z, 0-9 and '-', starting with a letter or digit; "
        + "battery.min_percent_unplugged: must be 0 (off) to 100 (is 101)", e.getMessage());
  }
}
