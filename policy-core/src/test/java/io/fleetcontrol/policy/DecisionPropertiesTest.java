package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The invariants employees were promised, over random policies, devices and requests. */
class DecisionPropertiesTest {

  private static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
  private static final List<String> HOSTS = List.of("mail.google.com", "docs.google.com", "a.example.com",
      "example.com", "bank.com", "x.bank.com", "wiki.corp.net");
  private static final List<String> APPS = List.of("slack", "com.microsoft.Excel", "com.1password.1password", "zoom");

  @Provide
  Arbitrary<Policy> policies() {
    Arbitrary<TargetRule> rules = Combinators.combine(
            Arbitraries.of(TargetRule.TargetType.values()),
            Arbitraries.of(HOSTS),
            Arbitraries.of(APPS),
            Arbitraries.of(true, false),
            Arbitraries.subsetOf(CaptureKind.values()))
        .as((type, host, app, wildcard, kinds) -> type == TargetRule.TargetType.APP
            ? new TargetRule(type, app, kinds)
            : new TargetRule(type, wildcard ? "*." + host : host, kinds));
    return Combinators.combine(
            Arbitraries.subsetOf(CaptureKind.values()).filter(s -> !s.isEmpty()),
            rules.list().ofMaxSize(6),
            rules.list().ofMaxSize(3),
            Arbitraries.longs().between(0, 10_000),
            Arbitraries.longs().between(0, 50_000),
            Arbitraries.of(BandwidthRules.MeteredNetworkAction.values()),
            Arbitraries.integers().between(0, 100),
            Arbitraries.subsetOf("US", "CA", "DE").filter(s -> !s.isEmpty()))
        .as((kinds, allow, deny, daily, monthly, metered, minBattery, places) -> new Policy("p", 1, kinds, allow, deny,
            new PauseRules(Duration.ofMinutes(30), 3), null,
            new BandwidthRules(daily, monthly, metered, 0), new BatteryRules(minBattery, false),
            places, Duration.ofHours(8), Duration.ofSeconds(30), ""));
  }

  @Provide
  Arbitrary<DeviceConditions> devices() {
    Arbitrary<List<Exemption>> exemptions = Combinators.combine(
            Arbitraries.of(Exemption.Scope.values()), Arbitraries.integers().between(-600, 600))
        .as((scope, offset) -> new Exemption("ex", scope, NOW.plusSeconds(offset)))
        .list().ofMaxSize(2);
    return Combinators.combine(
            Arbitraries.of("US", "CA", "DE", "FR"),
            Arbitraries.integers().between(0, 12 * 3600),
            Arbitraries.integers().between(-1800, 1800),
            exemptions,
            Arbitraries.integers().between(0, 100),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.longs().between(0, 60_000))
        .as((place, secondsSinceContact, pauseOffset, ex, battery, charging, metered, uploaded) -> new DeviceConditions(
            place, ZoneId.of("America/Chicago"), NOW.minusSeconds(secondsSinceContact), 0,
            pauseOffset == 0 ? null : NOW.plusSeconds(pauseOffset), ex,
            new DeviceTelemetry(true, battery, charging, metered, 0, 0, 0, 0), uploaded / 5, uploaded));
  }

  @Provide
  Arbitrary<CaptureRequest> requests() {
    return Combinators.combine(Arbitraries.of(CaptureKind.values()), Arbitraries.of(HOSTS), Arbitraries.of(APPS),
            Arbitraries.of(true, false))
        .as((kind, host, app, site) -> site ? CaptureRequest.onSite(kind, host) : CaptureRequest.inApp(kind, app));
  }

  private static boolean matches(TargetRule rule, CaptureRequest request) {
    if (!rule.coversKind(request.kind())) {
      return false;
    }
    if (rule.type() == TargetRule.TargetType.APP) {
      return request.appId() != null && rule.pattern().equalsIgnoreCase(request.appId());
    }
    if (request.siteHost() == null) {
      return false;
    }
    return rule.pattern().startsWith("*.")
        ? request.siteHost().endsWith(rule.pattern().substring(1))
        : rule.pattern().equals(request.siteHost());
  }

  @Property
  void theDenylistAlwaysWins(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    if (p.denylist().stream().anyMatch(rule -> matches(rule, r))) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void anAllowedCaptureWasAllowlistedEnabledAndNotDenylisted(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d, @ForAll("requests") CaptureRequest r) {
    if (CaptureDecision.decide(p, d, NOW, r).allowed()) {
      assertTrue(p.allowlist().stream().anyMatch(rule -> matches(rule, r)));
      assertTrue(p.captureKinds().contains(r.kind()));
      assertTrue(p.denylist().stream().noneMatch(rule -> matches(rule, r)));
    }
  }

  @Property
  void nothingIsCapturedWhereTheEmployeesWereProtected(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d, @ForAll("requests") CaptureRequest r) {
    if (!CaptureDecision.decide(p, d, NOW, r).allowed()) {
      return;
    }
    assertTrue(p.jurisdictions().contains(d.jurisdiction()), "outside the jurisdictions");
    assertFalse(d.pauseEndsAt() != null && NOW.isBefore(d.pauseEndsAt()), "during a pause");
    assertTrue(d.exemptions().stream().noneMatch(e -> e.scope() == Exemption.Scope.FULL && e.activeAt(NOW)),
        "under a full exemption");
    assertFalse(Duration.between(d.lastControllerContact(), NOW).compareTo(p.offlineLimit()) > 0, "past the offline limit");
    long daily = p.bandwidth().dailyUploadCapBytes();
    long monthly = p.bandwidth().monthlyUploadCapBytes();
    assertFalse(daily > 0 && d.uploadedBytesToday() >= daily, "past the daily cap");
    assertFalse(monthly > 0 && d.uploadedBytesThisMonth() >= monthly, "past the monthly cap");
  }

  @Property
  void aRequestIsNeverAllowedWhenTheDeviceIsNotActive(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d, @ForAll("requests") CaptureRequest r) {
    Decision state = CaptureDecision.captureState(p, d, NOW);
    Decision request = CaptureDecision.decide(p, d, NOW, r);
    assertEquals(state.allowed(), state.state() == CaptureState.ACTIVE);
    if (!state.allowed()) {
      assertFalse(request.allowed());
      assertEquals(state.state(), request.state());
    }
  }

  @Property
  void aPauseNeverOutlastsThePolicysLongestPause(@ForAll("policies") Policy p,
      @ForAll("minutes") int minutes, @ForAll("minutes") int maxMinutes) {
    PauseRules rules = new PauseRules(Duration.ofMinutes(maxMinutes), 0);
    boolean accepted = PauseCheck.refusal(rules, PauseQuota.EMPTY, Duration.ofMinutes(minutes), NOW, ZoneId.of("UTC")).isEmpty();
    assertEquals(minutes > 0 && minutes <= maxMinutes, accepted);
  }

  @Provide
  Arbitrary<Integer> minutes() {
    return Arbitraries.integers().between(-5, 600);
  }

  @Property
  void uploadCountersLoseNoBytesWithinADay(@ForAll("chunks") List<Integer> chunks) {
    ZoneId zone = ZoneId.of("Europe/Berlin");
    Instant morning = Instant.parse("2026-11-23T07:00:00Z");
    UploadCounters counters = UploadCounters.EMPTY;
    long sum = 0;
    for (int i = 0; i < chunks.size(); i++) {
      counters = counters.add(chunks.get(i), morning.plusSeconds(60L * i), zone);
      sum += chunks.get(i);
    }
    assertEquals(sum, counters.bytesToday());
    assertEquals(sum, counters.bytesThisMonth());
    assertEquals(0, counters.asOf(morning.plus(Duration.ofDays(1)), zone).bytesToday());
  }

  @Provide
  Arbitrary<List<Integer>> chunks() {
    return Arbitraries.integers().between(0, 1_000_000).list().ofMaxSize(200);
  }

  @Property
  void theStarterPolicyIsValid(@ForAll("names") String name) {
    assertTrue(PolicyValidator.validate(Policy.starter(name, 1)).isEmpty());
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-").ofMinLength(1).ofMaxLength(60)
        .filter(s -> !s.startsWith("-"));
  }

  static Set<CaptureKind> all() {
    return EnumSet.allOf(CaptureKind.class);
  }
}
