package io.fleetcontrol.policy;

import java.time.DayOfWeek;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A policy as the employee reads it: which kinds, which apps and sites, when, where, and the
 * limits with how much of them is used. One line per topic, no jargon, no field names.
 */
public final class PolicyInPlainWords {

  /** How much of the policy's limits this device has used, in its own day and month. */
  public record Usage(long uploadedBytesToday, long uploadedBytesThisMonth, PausesLeft pausesLeftToday) {}

  private PolicyInPlainWords() {}

  public static List<String> describe(Policy policy, Usage usage) {
    List<String> lines = new ArrayList<>();
    lines.add("Policy " + policy.name() + " version " + policy.version());
    lines.add("What may be captured: " + (policy.captureKinds().isEmpty()
        ? "nothing"
        : kinds(policy.captureKinds())));
    lines.add("Only in these apps: " + targets(policy.allowlist(), TargetRule.TargetType.APP, policy.captureKinds()));
    lines.add("Only on these sites: " + targets(policy.allowlist(), TargetRule.TargetType.SITE, policy.captureKinds()));
    lines.add("Never in these apps: " + targets(policy.denylist(), TargetRule.TargetType.APP, Set.of()));
    lines.add("Never on these sites: " + targets(policy.denylist(), TargetRule.TargetType.SITE, Set.of()));
    lines.add("When: " + schedule(policy.schedule()));
    lines.add("Where: only while this laptop is in " + String.join(", ", policy.jurisdictions()));
    lines.add("Battery: " + battery(policy.battery()));
    lines.add("Uploads: " + uploads(policy.bandwidth(), usage));
    lines.add("Pauses: " + pauses(policy.pause(), usage.pausesLeftToday()));
    lines.add("Offline: capture stops when the controller has not been reached for "
        + PlainWords.duration(policy.offlineLimit()));
    if (policy.requiresNotice()) {
      lines.add("Notice: " + policy.noticeText());
    }
    return lines;
  }

  private static String kinds(Set<CaptureKind> kinds) {
    return EnumSet.copyOf(kinds).stream().map(PlainWords::kind).collect(Collectors.joining(", "));
  }

  private static String targets(List<TargetRule> rules, TargetRule.TargetType type, Set<CaptureKind> allKinds) {
    List<String> named = rules.stream()
        .filter(r -> r.type() == type)
        .map(r -> r.kinds().isEmpty() || r.kinds().equals(allKinds)
            ? r.pattern()
            : r.pattern() + " (" + kinds(r.kinds()) + " only)")
        .toList();
    return named.isEmpty() ? "none" : String.join(", ", named);
  }

  private static String schedule(Schedule schedule) {
    if (schedule == null) {
      return "any time";
    }
    String days = schedule.days().isEmpty() || schedule.days().size() == 7
        ? "every day"
        : EnumSet.copyOf(schedule.days()).stream()
            .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH))
            .collect(Collectors.joining(", "));
    if (schedule.days().equals(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY))) {
      days = "Monday to Friday";
    }
    return days + ", " + schedule.start() + " to " + schedule.end() + " in this laptop's time zone";
  }

  private static String battery(BatteryRules battery) {
    List<String> parts = new ArrayList<>();
    if (battery.minPercentUnplugged() > 0) {
      parts.add("capture stops below " + battery.minPercentUnplugged() + " % unless plugged in");
    }
    if (battery.screenshotsOnlyWhileCharging()) {
      parts.add("screenshots only while charging");
    }
    return parts.isEmpty() ? "no limit" : String.join("; ", parts);
  }

  private static String uploads(BandwidthRules bandwidth, Usage usage) {
    String today = PlainWords.bytes(usage.uploadedBytesToday())
        + (bandwidth.dailyUploadCapBytes() > 0 ? " of " + PlainWords.bytes(bandwidth.dailyUploadCapBytes()) : "")
        + " today";
    String month = PlainWords.bytes(usage.uploadedBytesThisMonth())
        + (bandwidth.monthlyUploadCapBytes() > 0 ? " of " + PlainWords.bytes(bandwidth.monthlyUploadCapBytes()) : "")
        + " this month";
    String metered = switch (bandwidth.meteredNetworkAction()) {
      case DEFER -> "on a metered network uploads wait for an unmetered one";
      case BLOCK -> "on a metered network capture stops";
      case ALLOW -> "metered networks are treated like any other";
    };
    String rate = bandwidth.uploadRateLimitBytesPerSecond() > 0
        ? "; at most " + PlainWords.bytes(bandwidth.uploadRateLimitBytesPerSecond()) + " per second"
        : "";
    return today + ", " + month + "; " + metered + rate;
  }

  private static String pauses(PauseRules pause, PausesLeft pausesLeftToday) {
    String each = "up to " + PlainWords.duration(pause.maxPause()) + " each";
    String perDay = pause.pausesPerDay() > 0 ? ", " + pause.pausesPerDay() + " a day" : ", as many as you need";
    String left = pausesLeftToday.unlimited() ? "" : "; " + pausesLeftToday.count() + " left today";
    return each + perDay + (pause.pausesPerDay() > 0 ? left : "");
  }
}
