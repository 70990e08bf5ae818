package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyValidatorTest {

  private static List<String> fields(Policy p) {
    return PolicyValidator.validate(p).stream().map(PolicyViolation::field).toList();
  }

  private static Policy rules(List<TargetRule> allow, List<TargetRule> deny) {
    Policy p = Fixtures.policy();
    return new Policy(p.name(), 1, p.captureKinds(), allow, deny, p.pause(), p.schedule(), p.bandwidth(),
        p.battery(), p.jurisdictions(), p.offlineLimit(), p.heartbeatInterval(), p.noticeText());
  }

  @Test
  void aGoodPolicyHasNoViolations() {
    assertEquals(List.of(), PolicyValidator.validate(Fixtures.policy()));
    assertEquals(List.of(), PolicyValidator.validate(Policy.starter("default", 1)));
  }

  @Test
  void sitePatterns() {
    for (String good : List.of("example.com", "*.example.com", "a-b.c.example.org", "xn--bcher-kva.de")) {
      assertTrue(PolicyValidator.isValidSitePattern(good), good);
    }
    for (String bad : List.of("http://example.com", "example.com/x", "*", "*.*.com", "ex*ample.com", "example",
        "example.com:443", "-a.com", "a-.com", "a..com", "EXAMPLE.com", "exa mple.com", "")) {
      assertTrue(!PolicyValidator.isValidSitePattern(bad), bad);
    }
  }

  @Test
  void everyViolationIsReportedWithItsField() {
    Policy p = Fixtures.policy();
    Policy broken = new Policy("Bad Name", 1, Set.of(), List.of(TargetRule.site("http://x")),
        List.of(TargetRule.app("a b")), new PauseRules(Duration.ofHours(9), -1), null,
        new BandwidthRules(-1, -1, null, -1), new BatteryRules(101, false), Set.of("usa"),
        Duration.ofSeconds(5), Duration.ZERO, "n".repeat(10_001));
    List<String> fields = fields(broken);
    for (String expected : List.of("name", "capture_kinds", "allowlist[0].pattern", "denylist[0].pattern",
        "pause.max_pause", "pause.pauses_per_day", "bandwidth.daily_upload_cap_bytes",
        "bandwidth.monthly_upload_cap_bytes", "bandwidth.upload_rate_limit_bytes_per_second",
        "bandwidth.metered_network_action", "battery.min_percent_unplugged", "jurisdictions[0]", "offline_limit",
        "heartbeat_interval", "notice_text")) {
      assertTrue(fields.contains(expected), expected + " missing from " + fields);
    }
    assertTrue(p.name().equals("eng"));
  }

  @Test
  void listRules() {
    List<TargetRule> huge = new ArrayList<>();
    for (int i = 0; i < 1001; i++) {
      huge.add(TargetRule.app("app" + i));
    }
    assertEquals(List.of("allowlist"), fields(rules(huge, List.of())));
    assertEquals(List.of("denylist[1].pattern"),
        fields(rules(List.of(TargetRule.app("slack")), List.of(TargetRule.site("a.com"), TargetRule.site("A.com")))));
    Policy clicksOnly = Fixtures.withKinds(rules(List.of(TargetRule.app("slack", CaptureKind.SCREENSHOTS)), List.of()),
        EnumSet.of(CaptureKind.CLICKS));
    assertEquals(List.of("allowlist[0].kinds"), fields(clicksOnly));
  }

  @Test
  void scheduleAndDurations() {
    Policy p = Fixtures.with(Fixtures.policy(), PauseRules.DEFAULT,
        new Schedule(Set.of(), java.time.LocalTime.NOON, java.time.LocalTime.NOON), BandwidthRules.UNLIMITED,
        BatteryRules.NONE);
    assertEquals(List.of("schedule.days", "schedule.end_local_time"), fields(p));
    Policy monthlyBelowDaily = Fixtures.with(Fixtures.policy(), PauseRules.DEFAULT, null,
        new BandwidthRules(100, 50, BandwidthRules.MeteredNetworkAction.DEFER, 0), BatteryRules.NONE);
    assertEquals(List.of("bandwidth.monthly_upload_cap_bytes"), fields(monthlyBelowDaily));
  }
}
