package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A policy made ready for many decisions: its lists indexed once. The rules are checked in
 * DESIGN.md's order and the first that refuses wins; device-level rules give the capture state,
 * request-level rules refuse one capture while the device stays ACTIVE.
 */
public final class CompiledPolicy {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);

  private final Policy policy;
  // Built on the first request: the capture state alone (every heartbeat) does not need them.
  private volatile TargetMatcher allow;
  private volatile TargetMatcher deny;

  CompiledPolicy(Policy policy) {
    this.policy = policy;
  }

  private void indexLists() {
    if (deny == null) {
      allow = new TargetMatcher(policy.allowlist());
      deny = new TargetMatcher(policy.denylist());
    }
  }

  public Policy policy() {
    return policy;
  }

  /** The device's capture state: every rule that does not depend on a particular request. */
  public Decision captureState(DeviceConditions device, Instant now) {
    if (policy.requiresNotice() && device.noticeAcknowledgedVersion() < policy.version()) {
      return Decision.deny(CaptureState.NOTICE_PENDING, Decision.Rule.NOTICE_PENDING,
          "the employee has not yet acknowledged the monitoring notice of policy version " + policy.version());
    }
    if (!policy.jurisdictions().contains(device.jurisdiction())) {
      return Decision.deny(CaptureState.REGION_BLOCKED, Decision.Rule.JURISDICTION,
          "capture is not allowed in " + device.jurisdiction() + " (allowed: "
              + String.join(", ", policy.jurisdictions().stream().sorted().toList()) + ")");
    }
    for (Exemption exemption : device.exemptions()) {
      if (exemption.scope() == Exemption.Scope.FULL && exemption.activeAt(now)) {
        return Decision.deny(CaptureState.EXEMPT, Decision.Rule.FULL_EXEMPTION,
            "exempt from all capture" + until(exemption, device));
      }
    }
    Instant last = device.lastControllerContact();
    if (last == null || Duration.between(last, now).compareTo(policy.offlineLimit()) > 0) {
      return Decision.deny(CaptureState.OFFLINE_FAIL_CLOSED, Decision.Rule.OFFLINE_LIMIT,
          "the agent has not reached the controller for longer than " + words(policy.offlineLimit()));
    }
    if (device.pauseEndsAt() != null && now.isBefore(device.pauseEndsAt())) {
      return Decision.deny(CaptureState.PAUSED, Decision.Rule.PAUSE,
          "paused until " + CLOCK.format(device.pauseEndsAt().atZone(device.timeZone())) + " (device time)");
    }
    if (policy.schedule() != null && !withinSchedule(policy.schedule(), now.atZone(device.timeZone()))) {
      return Decision.deny(CaptureState.OUTSIDE_SCHEDULE, Decision.Rule.SCHEDULE,
          "outside working hours (" + policy.schedule().start() + "-" + policy.schedule().end() + " on "
              + policy.schedule().days().stream().sorted().map(d -> d.name().substring(0, 3).toLowerCase(Locale.ROOT))
                  .toList() + ", device time)");
    }
    DeviceTelemetry t = device.telemetry();
    int minBattery = policy.battery().minPercentUnplugged();
    if (minBattery > 0 && t.batteryKnown() && !t.charging() && t.batteryPercent() < minBattery) {
      return Decision.deny(CaptureState.BATTERY_LOW, Decision.Rule.BATTERY,
          "battery at " + t.batteryPercent() + "% and unplugged (capture stops below " + minBattery + "%)");
    }
    BandwidthRules bandwidth = policy.bandwidth();
    if (bandwidth.dailyUploadCapBytes() > 0 && device.uploadedBytesToday() >= bandwidth.dailyUploadCapBytes()) {
      return Decision.deny(CaptureState.BANDWIDTH_CAPPED, Decision.Rule.BANDWIDTH,
          "daily upload cap of " + bytes(bandwidth.dailyUploadCapBytes()) + " reached");
    }
    if (bandwidth.monthlyUploadCapBytes() > 0 && device.uploadedBytesThisMonth() >= bandwidth.monthlyUploadCapBytes()) {
      return Decision.deny(CaptureState.BANDWIDTH_CAPPED, Decision.Rule.BANDWIDTH,
          "monthly upload cap of " + bytes(bandwidth.monthlyUploadCapBytes()) + " reached");
    }
    if (t.meteredNetwork() && bandwidth.meteredNetworkAction() == BandwidthRules.MeteredNetworkAction.BLOCK) {
      return Decision.deny(CaptureState.BANDWIDTH_CAPPED, Decision.Rule.BANDWIDTH,
          "on a metered network, where this policy stops capture");
    }
    return Decision.allow("capture allowed by policy " + policy.name() + " version " + policy.version());
  }

  /** May the capture tool capture this kind in this app or site now? */
  public Decision decide(DeviceConditions device, Instant now, CaptureRequest request) {
    Decision state = captureState(device, now);
    if (!state.allowed()) {
      return state;
    }
    indexLists();
    String target = request.appId() != null ? request.appId() : String.valueOf(request.siteHost());
    String kind = request.kind().name().toLowerCase(Locale.ROOT);
    TargetRule denied = deny.match(request);
    if (denied != null) {
      return Decision.deny(CaptureState.ACTIVE, Decision.Rule.DENYLIST,
          target + " is on the denylist (entry " + denied.pattern() + ")");
    }
    if (allow.match(request) == null) {
      return Decision.deny(CaptureState.ACTIVE, Decision.Rule.NOT_ON_ALLOWLIST,
          target + " is not on the allowlist for " + kind);
    }
    if (!policy.captureKinds().contains(request.kind())) {
      return Decision.deny(CaptureState.ACTIVE, Decision.Rule.KIND_DISABLED,
          kind + " capture is not enabled by policy " + policy.name());
    }
    for (Exemption exemption : device.exemptions()) {
      if (exemption.activeAt(now) && refuses(exemption.scope(), request.kind())) {
        return Decision.deny(CaptureState.ACTIVE, Decision.Rule.PARTIAL_EXEMPTION,
            "exempt from " + kind + until(exemption, device));
      }
    }
    if (request.kind() == CaptureKind.SCREENSHOTS && policy.battery().screenshotsOnlyWhileCharging()
        && !(device.telemetry().batteryKnown() && device.telemetry().charging())) {
      return Decision.deny(CaptureState.ACTIVE, Decision.Rule.BATTERY, "screenshots only while charging");
    }
    return Decision.allow(kind + " in " + target + " allowed by policy " + policy.name() + " version "
        + policy.version());
  }

  private static boolean refuses(Exemption.Scope scope, CaptureKind kind) {
    return switch (scope) {
      case FULL -> true;
      case NO_SCREENSHOTS -> kind == CaptureKind.SCREENSHOTS;
      case NO_KEYSTROKES -> kind == CaptureKind.KEYSTROKES;
    };
  }

  /** A window whose end is before its start spans midnight and belongs to the day it starts. */
  static boolean withinSchedule(Schedule schedule, ZonedDateTime local) {
    LocalTime time = local.toLocalTime();
    if (schedule.start().isBefore(schedule.end())) {
      return schedule.days().contains(local.getDayOfWeek())
          && !time.isBefore(schedule.start()) && time.isBefore(schedule.end());
    }
    if (!time.isBefore(schedule.start())) {
      return schedule.days().contains(local.getDayOfWeek());
    }
    return time.isBefore(schedule.end()) && schedule.days().contains(local.getDayOfWeek().minus(1));
  }

  private static String until(Exemption exemption, DeviceConditions device) {
    return exemption.expiresAt() == null ? ""
        : " until " + exemption.expiresAt().atZone(device.timeZone()).toLocalDateTime().withNano(0) + " (device time)";
  }

  static String words(Duration d) {
    if (d.toHours() >= 1 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
    }
    return d.toMinutes() + " minutes";
  }

  static String bytes(long n) {
    if (n >= 1_000_000_000 && n % 1_000_000 == 0) {
      return (n / 1_000_000_000.0) + " GB";
    }
    if (n >= 1_000_000) {
      return (n / 1_000_000) + " MB";
    }
    return n + " bytes";
  }
}
