package io.fleetcontrol.policy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Policies and devices for the decision's tests, changed one field at a time. */
final class Fixtures {

  static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z"); // Monday 10:00 in New York
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private Fixtures() {}

  static Policy policy() {
    return new Policy("eng", 3, EnumSet.allOf(CaptureKind.class),
        List.of(TargetRule.app("com.microsoft.Excel"), TargetRule.site("*.atlassian.net"),
            TargetRule.site("docs.google.com", CaptureKind.CLICKS, CaptureKind.POINTER)),
        List.of(TargetRule.site("mail.google.com"), TargetRule.app("com.1password.1password")),
        PauseRules.DEFAULT, null, BandwidthRules.UNLIMITED, BatteryRules.NONE, Set.of("US"),
        Duration.ofHours(24), Duration.ofSeconds(30), "");
  }

  static Policy with(Policy p, PauseRules pause, Schedule schedule, BandwidthRules bandwidth, BatteryRules battery) {
    return new Policy(p.name(), p.version(), p.captureKinds(), p.allowlist(), p.denylist(), pause, schedule,
        bandwidth, battery, p.jurisdictions(), p.offlineLimit(), p.heartbeatInterval(), p.noticeText());
  }

  static Policy withNotice(Policy p, String notice) {
    return new Policy(p.name(), p.version(), p.captureKinds(), p.allowlist(), p.denylist(), p.pause(),
        p.schedule(), p.bandwidth(), p.battery(), p.jurisdictions(), p.offlineLimit(), p.heartbeatInterval(), notice);
  }

  static Policy withKinds(Policy p, Set<CaptureKind> kinds) {
    return new Policy(p.name(), p.version(), kinds, p.allowlist(), p.denylist(), p.pause(), p.schedule(),
        p.bandwidth(), p.battery(), p.jurisdictions(), p.offlineLimit(), p.heartbeatInterval(), p.noticeText());
  }

  static Schedule workingHours() {
    return new Schedule(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0), LocalTime.of(18, 0));
  }

  static DeviceConditions device() {
    return new DeviceConditions("US", NEW_YORK, NOW.minusSeconds(5), 0, null, List.of(),
        new DeviceTelemetry(true, 80, false, false, 0, 0, 0, 0), 0, 0);
  }

  static DeviceConditions device(String jurisdiction, Instant lastContact, long notice, Instant pauseEnd,
      List<Exemption> exemptions, DeviceTelemetry telemetry, long today, long month) {
    return new DeviceConditions(jurisdiction, NEW_YORK, lastContact, notice, pauseEnd, exemptions, telemetry,
        today, month);
  }

  static DeviceTelemetry battery(int percent, boolean charging) {
    return new DeviceTelemetry(true, percent, charging, false, 0, 0, 0, 0);
  }

  static DeviceTelemetry metered() {
    return new DeviceTelemetry(true, 80, true, true, 0, 0, 0, 0);
  }
}
