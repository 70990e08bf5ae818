package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.Decision.Rule;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * The promises made to employees, over random policies, devices and requests. The generators
 * lean towards devices that may capture, so that every rule, ALLOWED included, is reached often
 * (checked by the coverage in {@link #theDecisionFollowsTheRulesInOrder}).
 */
@StatisticsReport(onFailureOnly = true)
class DecisionPropertiesTest {

  private static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
  private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("America/New_York"),
      ZoneId.of("Europe/Berlin"), ZoneId.of("Asia/Kolkata"), ZoneId.of("Pacific/Auckland"));
  private static final List<String> HOSTS = List.of("mail.google.com", "docs.google.com", "google.com",
      "a.example.com", "example.com", "bank.com", "x.bank.com", "wiki.corp.net");
  private static final List<String> APPS = List.of("slack", "com.microsoft.Excel", "com.1password.1password", "zoom");

  // -- generators --

  @Provide
  Arbitrary<Policy> policies() {
    Arbitrary<Policy> base = Combinators.combine(
            Arbitraries.subsetOf(CaptureKind.values()).ofMinSize(1),
            targetRules().list().ofMinSize(2).ofMaxSize(12),
            targetRules().list().ofMaxSize(3),
            pauseRules(),
            schedules().injectNull(0.8),
            bandwidthRules(),
            batteryRules(),
            Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.subsetOf("CA", "DE").map(others -> plus(others, "US"))),
                Tuple.of(1, Arbitraries.subsetOf("US", "CA", "DE").ofMinSize(1))))
        .as((kinds, allow, deny, pause, schedule, bandwidth, battery, places) -> new Policy("p", 1, kinds, allow, deny,
            pause, schedule, bandwidth, battery, places, Duration.ofHours(24), Duration.ofSeconds(30), ""));
    return Combinators.combine(base, Arbitraries.integers().between(1, 72),
            Arbitraries.of("", "We record clicks in work apps."), Arbitraries.longs().between(1, 4))
        .as((p, offlineHours, notice, version) -> new Policy(p.name(), version, p.captureKinds(), p.allowlist(),
            p.denylist(), p.pause(), p.schedule(), p.bandwidth(), p.battery(), p.jurisdictions(),
            Duration.ofHours(offlineHours), p.heartbeatInterval(), notice));
  }

  private Arbitrary<TargetRule> targetRules() {
    Arbitrary<java.util.Set<CaptureKind>> kinds = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(java.util.Set.<CaptureKind>of())),
        Tuple.of(1, Arbitraries.subsetOf(CaptureKind.values()).ofMinSize(1)));
    Arbitrary<TargetRule> apps = Combinators.combine(Arbitraries.of(APPS), kinds)
        .as((app, k) -> new TargetRule(TargetRule.TargetType.APP, app, k));
    Arbitrary<TargetRule> sites = Combinators.combine(Arbitraries.of(HOSTS), Arbitraries.of(true, false), kinds)
        .as((host, wildcard, k) -> new TargetRule(TargetRule.TargetType.SITE, wildcard ? "*." + host : host, k));
    return Arbitraries.oneOf(apps, sites);
  }

  private Arbitrary<PauseRules> pauseRules() {
    return Combinators.combine(Arbitraries.integers().between(1, 480), Arbitraries.integers().between(0, 5))
        .as((minutes, perDay) -> new PauseRules(Duration.ofMinutes(minutes), perDay));
  }

  @Provide
  Arbitrary<Schedule> schedules() {
    Arbitrary<LocalTime> times = Arbitraries.integers().between(0, 24 * 4 - 1).map(q -> LocalTime.of(q / 4, q % 4 * 15));
    return Combinators.combine(Arbitraries.subsetOf(DayOfWeek.values()).ofMinSize(1), times, times)
        .filter((days, start, end) -> !start.equals(end))
        .as(Schedule::new);
  }

  private Arbitrary<BandwidthRules> bandwidthRules() {
    Arbitrary<Long> caps = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(0L)), Tuple.of(3, Arbitraries.longs().between(1, 100_000).withDistribution(RandomDistribution.uniform())));
    return Combinators.combine(caps, caps, Arbitraries.of(BandwidthRules.MeteredNetworkAction.values()))
        .as((daily, monthly, metered) -> new BandwidthRules(daily, monthly, metered, 0));
  }

  private Arbitrary<BatteryRules> batteryRules() {
    return Combinators.combine(
            Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 100))),
            Arbitraries.of(true, false))
        .as(BatteryRules::new);
  }

  @Provide
  Arbitrary<DeviceConditions> devices() {
    Arbitrary<Exemption> exemption = Combinators.combine(
            Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(ExemptionScope.FULL)),
                Tuple.of(3, Arbitraries.of(ExemptionScope.NO_SCREENSHOTS, ExemptionScope.NO_KEYSTROKES))),
            Arbitraries.integers().between(-600, 600).map(NOW::plusSeconds).injectNull(0.2))
        .as((scope, expiry) -> new Exemption("ex", scope, expiry));
    Arbitrary<DeviceTelemetry> telemetry = Combinators.combine(
            Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(true)), Tuple.of(1, Arbitraries.just(false))),
            Arbitraries.integers().between(0, 100), Arbitraries.of(true, false),
            Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(true)), Tuple.of(5, Arbitraries.just(false))))
        .as((known, percent, charging, metered) ->
            new DeviceTelemetry(known, known ? percent : -1, charging, metered, 0, 0, 0, 0));
    Arbitrary<long[]> uploads = Combinators.combine(
            Arbitraries.longs().between(0, 10_000).withDistribution(RandomDistribution.uniform()),
            Arbitraries.longs().between(0, 20_000).withDistribution(RandomDistribution.uniform()))
        .as((today, earlier) -> new long[] {today, today + earlier});
    return Combinators.combine(
            Arbitraries.frequencyOf(Tuple.of(17, Arbitraries.just("US")), Tuple.of(1, Arbitraries.just("CA")),
                Tuple.of(1, Arbitraries.just("DE")), Tuple.of(1, Arbitraries.just("FR"))).injectNull(0.02),
            Arbitraries.of(ZONES),
            Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.integers().between(0, 3600)),
                Tuple.of(1, Arbitraries.integers().between(0, 72 * 3600))).map(NOW::minusSeconds).injectNull(0.02),
            Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(new PolicyVersion("p", 9))),
                Tuple.of(1, Arbitraries.longs().between(0, 4).map(v -> new PolicyVersion("p", v))),
                Tuple.of(1, Arbitraries.just(new PolicyVersion("q", 9)))),
            Arbitraries.integers().between(-1800, 1800).map(NOW::plusSeconds).injectNull(0.8),
            Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(List.<Exemption>of())), Tuple.of(1, exemption.list().ofMinSize(1).ofMaxSize(2))),
            telemetry,
            uploads)
        .as((place, zone, contact, notice, pauseEnd, exemptions, t, up) ->
            new DeviceConditions(place, zone, contact, notice, pauseEnd, exemptions, t, up[0], up[1]));
  }

  @Provide
  Arbitrary<CaptureRequest> requests() {
    // Keystrokes and screenshots have rules of their own (partial exemptions, charging): ask for them more.
    Arbitrary<CaptureKind> kinds = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of(CaptureKind.values())),
        Tuple.of(1, Arbitraries.of(CaptureKind.KEYSTROKES, CaptureKind.SCREENSHOTS)));
    Arbitrary<String> anyCase = Arbitraries.of(true, false).map(upper -> upper ? "upper" : "lower");
    Arbitrary<CaptureRequest> inApps = Combinators.combine(kinds, Arbitraries.of(APPS), anyCase)
        .as((kind, app, c) -> CaptureRequest.inApp(kind, c.equals("upper") ? app.toUpperCase(Locale.ROOT) : app));
    Arbitrary<CaptureRequest> onSites = Combinators.combine(kinds, Arbitraries.of(HOSTS),
            Arbitraries.of("", "www.", "a.b."), anyCase, Arbitraries.of("", "."))
        .as((kind, host, sub, c, dot) -> {
          String name = sub + host + dot;
          return CaptureRequest.onSite(kind, c.equals("upper") ? name.toUpperCase(Locale.ROOT) : name);
        });
    return Arbitraries.frequencyOf(Tuple.of(10, inApps), Tuple.of(10, onSites),
        Tuple.of(1, Arbitraries.of(CaptureKind.values()).map(kind -> new CaptureRequest(kind, null, null))));
  }

  private static java.util.Set<String> plus(java.util.Set<String> codes, String code) {
    java.util.Set<String> all = new java.util.HashSet<>(codes);
    all.add(code);
    return all;
  }

  // -- the decision --

  // More tries than the default: a partial exemption decides in under 1 % of the samples.
  @Property(tries = 3000)
  void theDecisionFollowsTheRulesInOrder(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    Decision decision = CaptureDecision.decide(p, d, NOW, r);
    Rule expected = ReferenceDecision.expectedRule(p, d, NOW, r);
    assertEquals(expected, decision.rule(), decision.reason());
    assertEquals(expected == Rule.ALLOWED, decision.allowed());
    Statistics.label("rule").collect(decision.rule());
    Statistics.label("rule").coverage(checker -> {
      checker.check(Rule.ALLOWED).percentage(percent -> percent > 2.0);
      for (Rule rule : Rule.values()) {
        if (rule != Rule.NO_POLICY) {
          checker.check(rule).count(count -> count > 0);
        }
      }
    });
  }

  @Property
  void theDenylistAlwaysWins(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    if (p.denylist().stream().anyMatch(rule -> ReferenceDecision.matches(rule, r))) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void anAllowedCaptureIsAllowlistedEnabledAndNotDenylisted(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d, @ForAll("requests") CaptureRequest r) {
    if (CaptureDecision.decide(p, d, NOW, r).allowed()) {
      assertTrue(p.allowlist().stream().anyMatch(rule -> ReferenceDecision.matches(rule, r)));
      assertTrue(p.denylist().stream().noneMatch(rule -> ReferenceDecision.matches(rule, r)));
      assertTrue(p.captureKinds().contains(r.kind()));
    }
  }

  @Property
  void nothingIsAllowedOutsideTheJurisdictions(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    if (d.jurisdiction() == null || !p.jurisdictions().contains(d.jurisdiction())) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void nothingIsAllowedDuringAnActivePause(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    if (d.pauseEndsAt() != null && NOW.isBefore(d.pauseEndsAt())) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void nothingIsAllowedUnderAnActiveFullExemption(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    if (d.exemptions().stream().anyMatch(e -> e.scope() == ExemptionScope.FULL && e.activeAt(NOW))) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void nothingIsAllowedPastTheOfflineLimit(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    Instant last = d.lastControllerContact();
    if (last == null || last.plus(p.offlineLimit()).isBefore(NOW)) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void nothingIsAllowedPastADailyOrMonthlyCap(@ForAll("policies") Policy p, @ForAll("devices") DeviceConditions d,
      @ForAll("requests") CaptureRequest r) {
    long daily = p.bandwidth().dailyUploadCapBytes();
    long monthly = p.bandwidth().monthlyUploadCapBytes();
    if (daily > 0 && d.uploadedBytesToday() >= daily || monthly > 0 && d.uploadedBytesThisMonth() >= monthly) {
      assertFalse(CaptureDecision.decide(p, d, NOW, r).allowed());
    }
  }

  @Property
  void theCaptureStateIsActiveExactlyWhenNoDeviceLevelRuleRefuses(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d) {
    Decision state = CaptureDecision.captureState(p, d, NOW);
    Rule expected = ReferenceDecision.deviceRule(p, d, NOW);
    assertEquals(expected == Rule.ALLOWED, state.state() == CaptureState.ACTIVE, state.reason());
    assertEquals(expected, state.rule());
    assertEquals(state.allowed(), state.state() == CaptureState.ACTIVE);
  }

  @Property
  void decideNeverAllowsWhenTheCaptureStateIsNotActive(@ForAll("policies") Policy p,
      @ForAll("devices") DeviceConditions d, @ForAll("requests") CaptureRequest r) {
    Decision state = CaptureDecision.captureState(p, d, NOW);
    Decision decision = CaptureDecision.decide(p, d, NOW, r);
    if (state.state() != CaptureState.ACTIVE) {
      assertFalse(decision.allowed());
      assertEquals(state, decision);
    } else {
      assertEquals(CaptureState.ACTIVE, decision.state(), "a request-level refusal leaves the device active");
    }
  }

  @Property
  void theScheduleAgreesWithDateTimeWindowsInAnyZoneOnAnyDay(@ForAll("schedules") Schedule s,
      @ForAll("instantsOverAYear") Instant at, @ForAll("zones") ZoneId zone) {
    assertEquals(ReferenceDecision.insideAWindow(s, at.atZone(zone).toLocalDateTime()),
        DeviceRules.withinSchedule(s, at.atZone(zone)));
  }

  @Provide
  Arbitrary<Instant> instantsOverAYear() {
    return Arbitraries.longs().between(0, 366L * 86400).map(Instant.parse("2026-01-01T00:00:00Z")::plusSeconds);
  }

  @Provide
  Arbitrary<ZoneId> zones() {
    return Arbitraries.of(ZONES);
  }

  // -- pauses and uploads --

  @Property
  void aPauseNeverOutlastsThePolicysLongestPause(@ForAll("policies") Policy p,
      @ForAll("pauseSeconds") long seconds, @ForAll("pausesUsed") int used) {
    PauseQuota quota = new PauseQuota(LocalDate.ofInstant(NOW, ZoneId.of("UTC")), used);
    Duration requested = Duration.ofSeconds(seconds);
    if (PauseCheck.refusal(p.pause(), quota, requested, NOW, ZoneId.of("UTC")).isEmpty()) {
      assertTrue(requested.compareTo(Duration.ZERO) > 0);
      assertTrue(requested.compareTo(p.pause().maxPause()) <= 0, requested + " > " + p.pause().maxPause());
      assertTrue(p.pause().pausesPerDay() == 0 || used < p.pause().pausesPerDay());
    }
  }

  @Provide
  Arbitrary<Long> pauseSeconds() {
    return Arbitraries.longs().between(-600, 10 * 3600);
  }

  @Provide
  Arbitrary<Integer> pausesUsed() {
    return Arbitraries.integers().between(0, 6);
  }

  @Property
  void uploadCountersLoseNoBytesWithinADay(@ForAll("chunks") List<Integer> chunks, @ForAll("zones") ZoneId zone,
      @ForAll("instantsOverAYear") Instant anyInstant) {
    Instant dayStart = LocalDate.ofInstant(anyInstant, zone).atStartOfDay(zone).toInstant();
    long dayLength = Duration.between(dayStart, dayStart.atZone(zone).plusDays(1).toInstant()).toSeconds();
    UploadCounters counters = UploadCounters.EMPTY;
    long sum = 0;
    for (int i = 0; i < chunks.size(); i++) {
      // Any order within the day: reports may arrive late.
      Instant at = dayStart.plusSeconds(Math.floorMod(31L * i * 7919, dayLength));
      counters = counters.add(chunks.get(i), at, zone);
      sum += chunks.get(i);
    }
    assertEquals(sum, counters.bytesToday());
    assertEquals(sum, counters.bytesThisMonth());
    assertEquals(0, counters.asOf(dayStart.plusSeconds(dayLength), zone).bytesToday());
  }

  @Provide
  Arbitrary<List<Integer>> chunks() {
    return Arbitraries.integers().between(0, 1_000_000).list().ofMinSize(1).ofMaxSize(100);
  }

  // -- validation --

  @Property
  void theStarterPolicyIsValidForAnyGoodName(@ForAll("names") String name) {
    assertEquals(List.of(), PolicyValidator.validate(Policy.starter(name, 1)));
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-").ofMinLength(1).ofMaxLength(64)
        .filter(s -> !s.startsWith("-"));
  }
}
