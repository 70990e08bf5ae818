package io.fleetcontrol.policy;

import io.fleetcontrol.policy.Decision.Rule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Locale;

/**
 * A slow, literal reading of the rules for the property tests to compare against: list scans
 * instead of indexes, date-time windows instead of clock arithmetic. Written apart from the
 * production code so that one mistake is not made twice.
 */
final class ReferenceDecision {

  private ReferenceDecision() {}

  /** The rule that should answer; ALLOWED when none refuses. */
  static Rule expectedRule(Policy p, DeviceConditions d, Instant now, CaptureRequest r) {
    Rule device = deviceRule(p, d, now);
    if (device != Rule.ALLOWED) {
      return device;
    }
    if (p.denylist().stream().anyMatch(rule -> matches(rule, r))) {
      return Rule.DENYLIST;
    }
    if (p.allowlist().stream().noneMatch(rule -> matches(rule, r))) {
      return Rule.NOT_ON_ALLOWLIST;
    }
    if (!p.captureKinds().contains(r.kind())) {
      return Rule.KIND_DISABLED;
    }
    for (Exemption e : d.exemptions()) {
      if (e.activeAt(now) && (e.scope() == ExemptionScope.NO_SCREENSHOTS && r.kind() == CaptureKind.SCREENSHOTS
          || e.scope() == ExemptionScope.NO_KEYSTROKES && r.kind() == CaptureKind.KEYSTROKES)) {
        return Rule.PARTIAL_EXEMPTION;
      }
    }
    DeviceTelemetry t = d.telemetry();
    if (r.kind() == CaptureKind.SCREENSHOTS && p.battery().screenshotsOnlyWhileCharging()
        && !(t.batteryKnown() && t.charging())) {
      return Rule.BATTERY;
    }
    return Rule.ALLOWED;
  }

  /** The device-level rule that should answer; ALLOWED when none refuses. */
  static Rule deviceRule(Policy p, DeviceConditions d, Instant now) {
    if (p == null) {
      return Rule.NO_POLICY;
    }
    if (!p.noticeText().isBlank() && !(d.noticeAcknowledged().policyName().equals(p.name()) && d.noticeAcknowledged().version() >= p.version())) {
      return Rule.NOTICE_PENDING;
    }
    if (d.jurisdiction() == null || !p.jurisdictions().contains(d.jurisdiction())) {
      return Rule.JURISDICTION;
    }
    if (d.exemptions().stream().anyMatch(e -> e.scope() == ExemptionScope.FULL
        && (e.expiresAt() == null || e.expiresAt().isAfter(now)))) {
      return Rule.FULL_EXEMPTION;
    }
    if (d.lastControllerContact() == null
        || Duration.between(d.lastControllerContact(), now).compareTo(p.offlineLimit()) > 0) {
      return Rule.OFFLINE_LIMIT;
    }
    if (d.pauseEndsAt() != null && d.pauseEndsAt().isAfter(now)) {
      return Rule.PAUSE;
    }
    if (p.schedule() != null && !insideAWindow(p.schedule(), LocalDateTime.ofInstant(now, d.timeZone()))) {
      return Rule.SCHEDULE;
    }
    DeviceTelemetry t = d.telemetry();
    int min = p.battery().minPercentUnplugged();
    if (min > 0 && t.batteryKnown() && !t.charging() && t.batteryPercent() < min) {
      return Rule.BATTERY;
    }
    BandwidthRules b = p.bandwidth();
    boolean overDaily = b.dailyUploadCapBytes() > 0 && d.uploadedBytesToday() >= b.dailyUploadCapBytes();
    boolean overMonthly = b.monthlyUploadCapBytes() > 0 && d.uploadedBytesThisMonth() >= b.monthlyUploadCapBytes();
    boolean meteredBlock = t.meteredNetwork() && b.meteredNetworkAction() == BandwidthRules.MeteredNetworkAction.BLOCK;
    if (overDaily || overMonthly || meteredBlock) {
      return Rule.BANDWIDTH;
    }
    return Rule.ALLOWED;
  }

  /** Windows as date-time intervals: each listed day opens one, which may close the next day. */
  static boolean insideAWindow(Schedule s, LocalDateTime local) {
    for (LocalDate startDay : new LocalDate[] {local.toLocalDate(), local.toLocalDate().minusDays(1)}) {
      if (!s.days().contains(startDay.getDayOfWeek())) {
        continue;
      }
      LocalDateTime open = startDay.atTime(s.start());
      LocalDateTime close = s.end().isAfter(s.start()) ? startDay.atTime(s.end()) : startDay.plusDays(1).atTime(s.end());
      if (!local.isBefore(open) && local.isBefore(close)) {
        return true;
      }
    }
    return false;
  }

  static boolean matches(TargetRule rule, CaptureRequest r) {
    if (!rule.kinds().isEmpty() && !rule.kinds().contains(r.kind())) {
      return false;
    }
    if (rule.type() == TargetRule.TargetType.APP) {
      return r.appId() != null && rule.pattern().equalsIgnoreCase(r.appId());
    }
    if (r.appId() != null || r.siteHost() == null) {
      return false;
    }
    String host = r.siteHost().toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    String pattern = rule.pattern().toLowerCase(Locale.ROOT);
    return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern);
  }
}
