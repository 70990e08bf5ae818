package io.fleetcontrol.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a policy document must keep before it is stored. Every violation is reported, each
 * with the field it concerns, so ops can fix a hand-written file in one go.
 */
public final class PolicyValidator {

  public static final int MAX_LIST_ENTRIES = 1000;
  public static final int MAX_NOTICE_CHARS = 10_000;
  public static final Duration MIN_OFFLINE_LIMIT = Duration.ofMinutes(1);
  public static final Duration MAX_OFFLINE_LIMIT = Duration.ofDays(30);
  public static final Duration MIN_HEARTBEAT = Duration.ofSeconds(1);
  public static final Duration MAX_HEARTBEAT = Duration.ofMinutes(10);

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9._-]{1,255}");
  private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern JURISDICTION = Pattern.compile("[A-Z]{2}");

  private PolicyValidator() {}

  public static List<PolicyViolation> validate(Policy policy) {
    List<PolicyViolation> out = new ArrayList<>();
    if (policy.name() == null || !NAME.matcher(policy.name()).matches()) {
      out.add(new PolicyViolation("name",
          "must be 1 to 64 characters of a-z, 0-9 and '-', starting with a letter or digit"));
    }
    if (policy.captureKinds().isEmpty()) {
      out.add(new PolicyViolation("capture_kinds", "must name at least one kind"));
    }
    rules("allowlist", policy.allowlist(), policy.captureKinds(), true, out);
    rules("denylist", policy.denylist(), policy.captureKinds(), false, out);
    pause(policy.pause(), out);
    schedule(policy.schedule(), out);
    bandwidth(policy.bandwidth(), out);
    battery(policy.battery(), out);
    jurisdictions(policy.jurisdictions(), out);
    durations(policy, out);
    if (policy.noticeText().length() > MAX_NOTICE_CHARS) {
      out.add(new PolicyViolation("notice_text", "must be at most " + MAX_NOTICE_CHARS + " characters"));
    }
    return List.copyOf(out);
  }

  public static boolean isValidSitePattern(String pattern) {
    if (pattern == null) {
      return false;
    }
    String host = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
    if (host.isEmpty() || host.length() > 253 || !host.contains(".")) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  private static void rules(
      String field, List<TargetRule> rules, Set<CaptureKind> enabled, boolean allowlist, List<PolicyViolation> out) {
    if (rules.size() > MAX_LIST_ENTRIES) {
      out.add(new PolicyViolation(field, "at most " + MAX_LIST_ENTRIES + " entries (got " + rules.size() + ")"));
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      TargetRule rule = rules.get(i);
      String path = field + "[" + i + "]";
      boolean app = rule.type() == TargetRule.TargetType.APP;
      if (app && (rule.pattern() == null || !APP_ID.matcher(rule.pattern()).matches())) {
        out.add(new PolicyViolation(path + ".pattern",
            "app id must be 1 to 255 characters of A-Z, a-z, 0-9, '.', '_' or '-'"));
      } else if (!app && !isValidSitePattern(rule.pattern())) {
        out.add(new PolicyViolation(path + ".pattern",
            "must be a host name such as example.com, or *.example.com for its subdomains"
                + " (no scheme, path, port or other wildcard)"));
      } else if (!seen.add(rule.type() + ":" + rule.pattern().toLowerCase(java.util.Locale.ROOT))) {
        out.add(new PolicyViolation(path + ".pattern", rule.pattern() + " is listed twice"));
      }
      if (allowlist) {
        for (CaptureKind kind : rule.kinds()) {
          if (!enabled.contains(kind)) {
            out.add(new PolicyViolation(path + ".kinds", kind.name().toLowerCase(java.util.Locale.ROOT)
                + " is not in capture_kinds, so this entry could never allow it"));
          }
        }
      }
    }
  }

  private static void pause(PauseRules pause, List<PolicyViolation> out) {
    if (pause == null) {
      out.add(new PolicyViolation("pause", "is required"));
      return;
    }
    if (pause.maxPause() == null || pause.maxPause().isZero() || pause.maxPause().isNegative()
        || pause.maxPause().compareTo(PauseRules.HARD_CAP) > 0) {
      out.add(new PolicyViolation("pause.max_pause",
          "must be longer than zero and at most " + PauseRules.HARD_CAP.toHours() + " hours"));
    }
    if (pause.pausesPerDay() < 0 || pause.pausesPerDay() > 100) {
      out.add(new PolicyViolation("pause.pauses_per_day", "must be 0 (no limit) to 100"));
    }
  }

  private static void schedule(Schedule schedule, List<PolicyViolation> out) {
    if (schedule == null) {
      return;
    }
    if (schedule.days().isEmpty()) {
      out.add(new PolicyViolation("schedule.days", "must name at least one day"));
    }
    if (schedule.start() == null || schedule.end() == null) {
      out.add(new PolicyViolation(schedule.start() == null ? "schedule.start_local_time" : "schedule.end_local_time",
          "is required"));
    } else if (schedule.start().equals(schedule.end())) {
      out.add(new PolicyViolation("schedule.end_local_time", "must differ from start_local_time"));
    }
  }

  private static void bandwidth(BandwidthRules bandwidth, List<PolicyViolation> out) {
    if (bandwidth == null) {
      out.add(new PolicyViolation("bandwidth", "is required"));
      return;
    }
    if (bandwidth.dailyUploadCapBytes() < 0) {
      out.add(new PolicyViolation("bandwidth.daily_upload_cap_bytes", "must not be negative (0: no cap)"));
    }
    if (bandwidth.monthlyUploadCapBytes() < 0) {
      out.add(new PolicyViolation("bandwidth.monthly_upload_cap_bytes", "must not be negative (0: no cap)"));
    } else if (bandwidth.monthlyUploadCapBytes() > 0 && bandwidth.dailyUploadCapBytes() > 0
        && bandwidth.monthlyUploadCapBytes() < bandwidth.dailyUploadCapBytes()) {
      out.add(new PolicyViolation("bandwidth.monthly_upload_cap_bytes", "must not be below the daily cap"));
    }
    if (bandwidth.uploadRateLimitBytesPerSecond() < 0) {
      out.add(new PolicyViolation("bandwidth.upload_rate_limit_bytes_per_second", "must not be negative (0: no limit)"));
    }
    if (bandwidth.meteredNetworkAction() == null) {
      out.add(new PolicyViolation("bandwidth.metered_network_action", "is required"));
    }
  }

  private static void battery(BatteryRules battery, List<PolicyViolation> out) {
    if (battery == null) {
      out.add(new PolicyViolation("battery", "is required"));
    } else if (battery.minPercentUnplugged() < 0 || battery.minPercentUnplugged() > 100) {
      out.add(new PolicyViolation("battery.min_percent_unplugged", "must be 0 (off) to 100"));
    }
  }

  private static void jurisdictions(Set<String> jurisdictions, List<PolicyViolation> out) {
    if (jurisdictions.isEmpty()) {
      out.add(new PolicyViolation("jurisdictions", "must name at least one country"));
    }
    List<String> sorted = jurisdictions.stream().sorted().toList();
    for (int i = 0; i < sorted.size(); i++) {
      if (!JURISDICTION.matcher(sorted.get(i)).matches()) {
        out.add(new PolicyViolation("jurisdictions[" + i + "]",
            "\"" + sorted.get(i) + "\" is not an ISO 3166-1 alpha-2 code such as US"));
      }
    }
  }

  private static void durations(Policy policy, List<PolicyViolation> out) {
    Duration offline = policy.offlineLimit();
    if (offline == null || offline.compareTo(MIN_OFFLINE_LIMIT) < 0 || offline.compareTo(MAX_OFFLINE_LIMIT) > 0) {
      out.add(new PolicyViolation("offline_limit", "must be between 1 minute and 30 days"));
    }
    Duration heartbeat = policy.heartbeatInterval();
    if (heartbeat == null || heartbeat.compareTo(MIN_HEARTBEAT) < 0 || heartbeat.compareTo(MAX_HEARTBEAT) > 0) {
      out.add(new PolicyViolation("heartbeat_interval", "must be between 1 second and 10 minutes"));
    } else if (offline != null && heartbeat.compareTo(offline) >= 0) {
      out.add(new PolicyViolation("heartbeat_interval", "must be shorter than offline_limit"));
    }
  }
}
