package io.fleetcontrol.policy;

import static io.fleetcontrol.policy.PolicyBuilder.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.BandwidthRules.MeteredNetworkAction;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** At least 200 distinct policies, each broken in one way, each refused naming the broken field. */
class MalformedPoliciesTest {

  private record Case(String label, String field, Policy policy) {}

  private static final List<String> BAD_SITES = List.of(
      "http://example.com", "https://example.com", "example.com/path", "example.com/", "example.com?q=1",
      "example.com#top", "*", "*.", "*.*.example.com", "**.example.com", "*example.com", "ex*ample.com", "example.*",
      "example.com.*", "a..b.com", ".example.com", "example.com.", "example..com", "-a.example.com", "a-.example.com",
      "a.-b.com", "example.com:443", "1.2.3.4:80", "localhost", "example", "*.com", "exa mple.com", " example.com",
      "example.com ", "\texample.com", "exa\nmple.com", "user@example.com", "exam_ple.com", "EXAMPLE.com",
      "Example.Com", "ünicode.com", "x".repeat(64) + ".com", ("a".repeat(63) + ".").repeat(4) + "com", "");
  private static final List<String> BAD_APPS =
      List.of("", "with space", "x".repeat(256), "a/b", "slash\\app", "semi;colon", "ünicode", "tab\t");

  private static List<Case> malformed() {
    List<Case> cases = new ArrayList<>();
    class Cases {
      void add(String label, String field, UnaryOperator<PolicyBuilder> breakIt) {
        cases.add(new Case(label, field, breakIt.apply(policy()).build()));
      }
    }
    Cases add = new Cases();
    for (String name : new String[] {"", "Upper", "with space", "-leading", "x".repeat(65), "a/b", "a.b", "ünicode",
        "tab\tname", "UPPER-CASE", "a_b", null}) {
      add.add("name " + name, "name", p -> p.name(name));
    }
    for (String site : BAD_SITES) {
      add.add("allowlist site " + site, "allowlist[3].pattern", p -> p.allow(with(baseAllow(), TargetRule.site(site))));
      add.add("denylist site " + site, "denylist[2].pattern", p -> p.deny(with(baseDeny(), TargetRule.site(site))));
    }
    for (String app : BAD_APPS) {
      add.add("allowlist app " + app, "allowlist[3].pattern", p -> p.allow(with(baseAllow(), TargetRule.app(app))));
      add.add("denylist app " + app, "denylist[2].pattern", p -> p.deny(with(baseDeny(), TargetRule.app(app))));
    }
    add.add("no capture kinds", "capture_kinds", p -> p.kinds().allow(TargetRule.app("slack")));
    for (CaptureKind notEnabled : EnumSet.complementOf(EnumSet.of(CaptureKind.CLICKS))) {
      add.add("allowlist kind not enabled " + notEnabled, "allowlist[0].kinds",
          p -> p.kinds(CaptureKind.CLICKS).allow(TargetRule.app("slack", notEnabled)));
    }
    for (String twice : new String[] {"com.microsoft.Excel", "COM.MICROSOFT.EXCEL", "com.microsoft.excel"}) {
      add.add("allowlist app twice " + twice, "allowlist[3].pattern", p -> p.allow(with(baseAllow(), TargetRule.app(twice))));
    }
    for (String twice : new String[] {"*.atlassian.net", "docs.google.com"}) {
      add.add("allowlist site twice " + twice, "allowlist[3].pattern",
          p -> p.allow(with(baseAllow(), TargetRule.site(twice, CaptureKind.CLICKS))));
    }
    add.add("denylist site twice", "denylist[2].pattern", p -> p.deny(with(baseDeny(), TargetRule.site("mail.google.com"))));
    add.add("allowlist entry without target", "allowlist[3]", p -> p.allow(with(baseAllow(), new TargetRule(null, "x", Set.of()))));
    add.add("denylist entry without target", "denylist[2]", p -> p.deny(with(baseDeny(), new TargetRule(null, "y", Set.of()))));
    for (Duration max : new Duration[] {PauseRules.HARD_CAP.plusSeconds(1), Duration.ofHours(9), Duration.ofDays(1),
        Duration.ofDays(7), Duration.ZERO, Duration.ofMinutes(-1), null}) {
      add.add("max pause " + max, "pause.max_pause", p -> p.pause(new PauseRules(max, 0)));
    }
    for (int perDay : new int[] {-1, -10, 101, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      add.add("pauses per day " + perDay, "pause.pauses_per_day", p -> p.pause(new PauseRules(Duration.ofMinutes(10), perDay)));
    }
    for (long cap : new long[] {-1, -1024, -1_000_000, Long.MIN_VALUE}) {
      add.add("daily cap " + cap, "bandwidth.daily_upload_cap_bytes",
          p -> p.bandwidth(new BandwidthRules(cap, 0, MeteredNetworkAction.DEFER, 0)));
      add.add("monthly cap " + cap, "bandwidth.monthly_upload_cap_bytes",
          p -> p.bandwidth(new BandwidthRules(0, cap, MeteredNetworkAction.DEFER, 0)));
      add.add("rate limit " + cap, "bandwidth.upload_rate_limit_bytes_per_second",
          p -> p.bandwidth(new BandwidthRules(0, 0, MeteredNetworkAction.DEFER, cap)));
    }
    for (long daily : new long[] {2_000, 5_000_000, 1L << 40}) {
      add.add("monthly below daily " + daily, "bandwidth.monthly_upload_cap_bytes",
          p -> p.bandwidth(new BandwidthRules(daily, daily - 1, MeteredNetworkAction.DEFER, 0)));
    }
    add.add("no metered action", "bandwidth.metered_network_action", p -> p.bandwidth(new BandwidthRules(0, 0, null, 0)));
    for (int percent : new int[] {-1, -50, 101, 150, 1000, Integer.MIN_VALUE}) {
      add.add("battery " + percent, "battery.min_percent_unplugged", p -> p.battery(new BatteryRules(percent, false)));
    }
    for (String code : new String[] {"usa", "u", "12", "us", "U S", "", "USA", "DEU", "u1", "EU-", "Us"}) {
      add.add("jurisdiction " + code, "jurisdictions[1]", p -> p.jurisdictions("US", code));
    }
    add.add("no jurisdictions", "jurisdictions", PolicyBuilder::jurisdictions);
    for (Duration offline : new Duration[] {Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(30),
        Duration.ofSeconds(59), Duration.ofDays(31), Duration.ofDays(365), Duration.ofHours(-1), null}) {
      add.add("offline limit " + offline, "offline_limit", p -> p.offlineLimit(offline));
    }
    for (Duration heartbeat : new Duration[] {Duration.ZERO, Duration.ofMillis(999), Duration.ofSeconds(601),
        Duration.ofHours(1), Duration.ofDays(1), Duration.ofSeconds(-5), null}) {
      add.add("heartbeat " + heartbeat, "heartbeat_interval", p -> p.heartbeat(heartbeat));
    }
    for (int minutes : new int[] {1, 2, 5}) {
      add.add("heartbeat as long as offline " + minutes, "heartbeat_interval",
          p -> p.offlineLimit(Duration.ofMinutes(minutes)).heartbeat(Duration.ofMinutes(minutes)));
    }
    add.add("schedule without days", "schedule.days",
        p -> p.schedule(new Schedule(Set.of(), LocalTime.of(8, 0), LocalTime.of(18, 0))));
    for (LocalTime t : new LocalTime[] {LocalTime.MIDNIGHT, LocalTime.NOON, LocalTime.of(23, 59)}) {
      add.add("schedule of no length at " + t, "schedule.start_local_time",
          p -> p.schedule(new Schedule(EnumSet.of(DayOfWeek.MONDAY), t, t)));
    }
    add.add("schedule without start", "schedule.start_local_time",
        p -> p.schedule(new Schedule(EnumSet.of(DayOfWeek.MONDAY), null, LocalTime.NOON)));
    add.add("schedule without end", "schedule.end_local_time",
        p -> p.schedule(new Schedule(EnumSet.of(DayOfWeek.MONDAY), LocalTime.NOON, null)));
    for (int extra : new int[] {1, 100, 5000}) {
      add.add("notice +" + extra, "notice_text", p -> p.notice("n".repeat(10_000 + extra)));
    }
    for (int size : new int[] {1001, 1500}) {
      add.add("allowlist of " + size, "allowlist", p -> p.allow(apps(size)));
      add.add("denylist of " + size, "denylist", p -> p.deny(apps(size)));
    }
    add.add("no pause rules", "pause", p -> p.pause(null));
    add.add("no bandwidth rules", "bandwidth", p -> p.bandwidth(null));
    add.add("no battery rules", "battery", p -> p.battery(null));
    return cases;
  }

  private static List<TargetRule> baseAllow() {
    return policy().build().allowlist();
  }

  private static List<TargetRule> baseDeny() {
    return policy().build().denylist();
  }

  private static List<TargetRule> with(List<TargetRule> rules, TargetRule extra) {
    List<TargetRule> out = new ArrayList<>(rules);
    out.add(extra);
    return out;
  }

  private static List<TargetRule> apps(int n) {
    List<TargetRule> rules = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rules.add(TargetRule.app("app" + i));
    }
    return rules;
  }

  @Test
  void theBaseIsValid() {
    assertEquals(List.of(), PolicyValidator.validate(policy().build()));
  }

  @Test
  void atLeast200DistinctMalformedPoliciesEachNameTheirField() {
    List<Case> cases = malformed();
    assertTrue(cases.size() >= 200, "only " + cases.size() + " cases");
    Set<Policy> distinct = new HashSet<>();
    for (Case c : cases) {
      assertTrue(distinct.add(c.policy()), "the same policy twice: " + c.label());
      List<PolicyViolation> violations = PolicyValidator.validate(c.policy());
      Set<String> fields = violations.stream().map(PolicyViolation::field).collect(Collectors.toSet());
      assertTrue(fields.contains(c.field()), c.label() + ": expected " + c.field() + " in " + violations);
    }
  }
}
