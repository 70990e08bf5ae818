package io.fleetcontrol.policy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The rules that stop capture on the whole device, in DESIGN.md's order. Each returns the
 * refusal, or null when it has nothing against capture; the first refusal is the capture state.
 */
final class DeviceRules {

  private DeviceRules() {}

  /** The first device-level refusal, or null when capture may run. */
  static Decision firstRefusal(Policy policy, DeviceConditions device, Instant now) {
    Decision refusal = notice(policy, device);
    if (refusal == null) {
      refusal = jurisdiction(policy, device);
    }
    if (refusal == null) {
      refusal = fullExemption(device, now);
    }
    if (refusal == null) {
      refusal = offline(policy, device, now);
    }
    if (refusal == null) {
      refusal = pause(device, now);
    }
    if (refusal == null) {
      refusal = schedule(policy, device, now);
    }
    if (refusal == null) {
      refusal = battery(policy, telemetry(device));
    }
    if (refusal == null) {
      refusal = bandwidth(policy, device);
    }
    return refusal;
  }

  static DeviceTelemetry telemetry(DeviceConditions device) {
    return device.telemetry() == null ? DeviceTelemetry.UNKNOWN : device.telemetry();
  }

  // Acknowledging a later version also counts: the device entity does not take an older
  // version's acknowledgement once a newer one is on record (a rollback must not stop capture).
  private static Decision notice(Policy policy, DeviceConditions device) {
    if (!policy.requiresNotice() || device.noticeAcknowledged().covers(policy.policyVersion())) {
      return null;
    }
    return Decision.deny(CaptureState.NOTICE_PENDING, Decision.Rule.NOTICE_PENDING,
        "the employee has not acknowledged the monitoring notice of policy " + policy.name() + " version "
            + policy.version());
  }

  private static Decision jurisdiction(Policy policy, DeviceConditions device) {
    String where = device.jurisdiction();
    if (where != null && policy.jurisdictions().contains(where)) {
      return null;
    }
    String allowed = String.join(", ", policy.jurisdictions());
    return Decision.deny(CaptureState.REGION_BLOCKED, Decision.Rule.JURISDICTION, where == null
        ? "the device's jurisdiction is unknown (capture is allowed only in " + allowed + ")"
        : "capture is not allowed in " + where + " (only in " + allowed + ")");
  }

  private static Decision fullExemption(DeviceConditions device, Instant now) {
    for (Exemption exemption : device.exemptions()) {
      if (exemption.scope() == ExemptionScope.FULL && exemption.activeAt(now)) {
        return Decision.deny(CaptureState.EXEMPT, Decision.Rule.FULL_EXEMPTION,
            "exempt from all capture" + until(exemption, device));
      }
    }
    return null;
  }

  /** " until 2026-11-24 09:00 (device time)", or nothing for an exemption without end. */
  static String until(Exemption exemption, DeviceConditions device) {
    return exemption.expiresAt() == null ? " (exemption " + exemption.exemptionId() + ", no end date)"
        : " until " + PlainWords.deviceDateTime(exemption.expiresAt(), device.timeZone()) + " (device time)";
  }

  private static Decision offline(Policy policy, DeviceConditions device, Instant now) {
    Instant last = device.lastControllerContact();
    if (last == null) {
      return Decision.deny(CaptureState.OFFLINE_FAIL_CLOSED, Decision.Rule.OFFLINE_LIMIT,
          "the agent has not reached the controller yet");
    }
    if (!now.isAfter(last.plus(policy.offlineLimit()))) {
      return null;
    }
    return Decision.deny(CaptureState.OFFLINE_FAIL_CLOSED, Decision.Rule.OFFLINE_LIMIT,
        "no contact with the controller for longer than " + PlainWords.duration(policy.offlineLimit())
            + " (last at " + PlainWords.deviceDateTime(last, device.timeZone()) + " device time)");
  }

  private static Decision pause(DeviceConditions device, Instant now) {
    Instant end = device.pauseEndsAt();
    if (end == null || !now.isBefore(end)) {
      return null;
    }
    return Decision.deny(CaptureState.PAUSED, Decision.Rule.PAUSE,
        "paused until " + PlainWords.deviceClock(end, now, device.timeZone()) + " (device time)");
  }

  private static Decision schedule(Policy policy, DeviceConditions device, Instant now) {
    Schedule schedule = policy.schedule();
    if (schedule == null || withinSchedule(schedule, now.atZone(device.timeZone()))) {
      return null;
    }
    String days = schedule.days().stream().sorted()
        .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH)).collect(Collectors.joining(", "));
    return Decision.deny(CaptureState.OUTSIDE_SCHEDULE, Decision.Rule.SCHEDULE,
        "outside working hours (" + schedule.start() + "-" + schedule.end() + " on " + days + ", device time)");
  }

  /**
   * Start inclusive, end exclusive, on the local wall clock. A window whose end is before its
   * start spans midnight and belongs to the day it starts: Friday 22:00-06:00 covers Saturday 03:00.
   */
  static boolean withinSchedule(Schedule schedule, ZonedDateTime local) {
    LocalTime time = local.toLocalTime();
    DayOfWeek day = local.getDayOfWeek();
    if (schedule.start().isBefore(schedule.end())) {
      return schedule.days().contains(day) && !time.isBefore(schedule.start()) && time.isBefore(schedule.end());
    }
    if (!time.isBefore(schedule.start())) {
      return schedule.days().contains(day);
    }
    return time.isBefore(schedule.end()) && schedule.days().contains(day.minus(1));
  }

  // An unknown battery never blocks: desktops and sandboxes report none.
  private static Decision battery(Policy policy, DeviceTelemetry t) {
    int min = policy.battery().minPercentUnplugged();
    if (min <= 0 || !t.batteryKnown() || t.charging() || t.batteryPercent() >= min) {
      return null;
    }
    return Decision.deny(CaptureState.BATTERY_LOW, Decision.Rule.BATTERY,
        "battery at " + t.batteryPercent() + "% and unplugged (capture stops below " + min + "%)");
  }

  private static Decision bandwidth(Policy policy, DeviceConditions device) {
    BandwidthRules rules = policy.bandwidth();
    if (rules.dailyUploadCapBytes() > 0 && device.uploadedBytesToday() >= rules.dailyUploadCapBytes()) {
      return capped("daily upload cap of " + PlainWords.bytes(rules.dailyUploadCapBytes()) + " reached");
    }
    if (rules.monthlyUploadCapBytes() > 0 && device.uploadedBytesThisMonth() >= rules.monthlyUploadCapBytes()) {
      return capped("monthly upload cap of " + PlainWords.bytes(rules.monthlyUploadCapBytes()) + " reached");
    }
    // DEFER holds uploads back and ALLOW carries on: only BLOCK stops capture.
    if (telemetry(device).meteredNetwork()
        && rules.meteredNetworkAction() == BandwidthRules.MeteredNetworkAction.BLOCK) {
      return capped("on a metered network, where policy " + policy.name() + " stops capture");
    }
    return null;
  }

  private static Decision capped(String reason) {
    return Decision.deny(CaptureState.BANDWIDTH_CAPPED, Decision.Rule.BANDWIDTH, reason);
  }
}
