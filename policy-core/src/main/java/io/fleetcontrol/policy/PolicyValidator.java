package io.fleetcontrol.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a policy document must keep before it is stored. Every violation is reported, each
 * with its proto field path (snake_case), so ops can fix a hand-written file in one go and the
 * gRPC error can name the fields. The decision assumes a policy that passed.
 */
public final class PolicyValidator {

  public static final int MAX_NAME_CHARS = 64;
  public static final int MAX_LIST_ENTRIES = 1000;
  public static final int MAX_PAUSES_PER_DAY = 100;
  public static final int MAX_NOTICE_CHARS = 10_000;
  public static final Duration MIN_OFFLINE_LIMIT = Duration.ofMinutes(1);
  public static final Duration MAX_OFFLINE_LIMIT = Duration.ofDays(30);
  public static final Duration MIN_HEARTBEAT = Duration.ofSeconds(1);
  public static final Duration MAX_HEARTBEAT = Duration.ofMinutes(10);

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0," + (MAX_NAME_CHARS - 1) + "}");
  private static final Pattern JURISDICTION = Pattern.compile("[A-Z]{2}");

  private PolicyValidator() {}

  /** Every rule {@code policy} breaks; empty when it may be stored. */
  public static List<PolicyViolation> validate(Policy policy) {
    List<PolicyViolation> out = new ArrayList<>();
    if (policy.name() == null || !NAME.matcher(policy.name()).matches()) {
      out.add(new PolicyViolation("name", "must be 1 to " + MAX_NAME_CHARS
          + " characters of a-z, 0-9 and '-', starting with a letter or digit"));
    }
    if (policy.captureKinds().isEmpty()) {
      out.add(new PolicyViolation("capture_kinds", "must name at least one kind"));
    }
    targets("allowlist", policy.allowlist(), policy.captureKinds(), out);
    targets("denylist", policy.denylist(), null, out);
    pause(policy.pause(), out);
    schedule(policy.schedule(), out);
    bandwidth(policy.bandwidth(), out);
    battery(policy.battery(), out);
    jurisdictions(policy.jurisdictions(), out);
    durations(policy.offlineLimit(), policy.heartbeatInterval(), out);
    if (policy.noticeText().length() > MAX_NOTICE_CHARS) {
      out.add(new PolicyViolation("notice_text", "must be at most " + MAX_NOTICE_CHARS + " characters (has "
          + policy.noticeText().length() + ")"));
    }
    return List.copyOf(out);
  }

  /** {@code policy} itself when it breaks no rule. */
  public static Policy requireValid(Policy policy) {
    List<PolicyViolation> violations = validate(policy);
    if (!violations.isEmpty()) {
      throw new InvalidPolicyException(violations);
    }
    return policy;
  }

  /** Whether {@code pattern} is "example.com" or "*.example.com" as the lists accept them. */
  public static boolean isValidSitePattern(String pattern) {
    return TargetPatterns.sitePatternProblem(pattern) == null;
  }

  /**
   * Entries of one list. {@code enabled} is the policy's capture kinds for the allowlist, whose
   * entries must not name a kind that is never captured; null for the denylist, where that is harmless.
   */
  private static void targets(String field, List<TargetRule> rules, Set<CaptureKind> enabled, List<PolicyViolation> out) {
    if (rules.size() > MAX_LIST_ENTRIES) {
      // Checking each of thousands of entries would bury this one fix under noise.
      out.add(new PolicyViolation(field, "must have at most " + MAX_LIST_ENTRIES + " entries (has " + rules.size() + ")"));
      return;
    }
    Map<String, Integer> firstSeen = new HashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      TargetRule rule = rules.get(i);
      String path = field + "[" + i + "]";
      if (rule.type() == null) {
        out.add(new PolicyViolation(path, "needs an app id or a site pattern"));
        continue;
      }
      String problem = rule.type() == TargetRule.TargetType.APP
          ? TargetPatterns.appIdProblem(rule.pattern()) : TargetPatterns.sitePatternProblem(rule.pattern());
      if (problem != null) {
        out.add(new PolicyViolation(path + ".pattern", problem));
      } else {
        // Matching ignores case, so "Slack" and "slack" are the same entry.
        Integer earlier = firstSeen.putIfAbsent(rule.type() + ":" + rule.pattern().toLowerCase(Locale.ROOT), i);
        if (earlier != null) {
          out.add(new PolicyViolation(path + ".pattern", TargetPatterns.quote(rule.pattern())
              + " is already " + field + "[" + earlier + "]: merge the two entries"));
        }
      }
      if (enabled != null) {
        for (CaptureKind kind : rule.kinds()) {
          if (!enabled.contains(kind)) {
            out.add(new PolicyViolation(path + ".kinds", PlainWords.kind(kind)
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
    Duration max = pause.maxPause();
    if (max == null || max.isZero() || max.isNegative() || max.compareTo(PauseRules.HARD_CAP) > 0) {
      out.add(new PolicyViolation("pause.max_pause",
          "must be longer than zero and at most " + PlainWords.duration(PauseRules.HARD_CAP)
              + (max == null ? "" : " (is " + PlainWords.duration(max) + ")")));
    }
    if (pause.pausesPerDay() < 0 || pause.pausesPerDay() > MAX_PAUSES_PER_DAY) {
      out.add(new PolicyViolation("pause.pauses_per_day",
          "must be 0 (no limit) to " + MAX_PAUSES_PER_DAY + " (is " + pause.pausesPerDay() + ")"));
    }
  }

  private static void schedule(Schedule schedule, List<PolicyViolation> out) {
    if (schedule == null) {
      return; // capture at any hour
    }
    if (schedule.days().isEmpty()) {
      out.add(new PolicyViolation("schedule.days", "must name at least one day"));
    }
    if (schedule.start() == null) {
      out.add(new PolicyViolation("schedule.start_local_time", "is required"));
    }
    if (schedule.end() == null) {
      out.add(new PolicyViolation("schedule.end_local_time", "is required"));
    }
    if (schedule.start() != null && schedule.start().equals(schedule.end())) {
      out.add(new PolicyViolation("schedule.start_local_time",
          "must differ from end_local_time (both are " + schedule.start() + ")"));
    }
  }

  private static void bandwidth(BandwidthRules bandwidth, List<PolicyViolation> out) {
    if (bandwidth == null) {
      out.add(new PolicyViolation("bandwidth", "is required"));
      return;
    }
    long daily = bandwidth.dailyUploadCapBytes();
    long monthly = bandwidth.monthlyUploadCapBytes();
    if (daily < 0) {
      out.add(new PolicyViolation("bandwidth.daily_upload_cap_bytes", "must not be negative (0: no cap)"));
    }
    if (monthly < 0) {
      out.add(new PolicyViolation("bandwidth.monthly_upload_cap_bytes", "must not be negative (0: no cap)"));
    } else if (monthly > 0 && daily > 0 && monthly < daily) {
      out.add(new PolicyViolation("bandwidth.monthly_upload_cap_bytes", "must not be below the daily cap ("
          + PlainWords.bytes(monthly) + " < " + PlainWords.bytes(daily) + ")"));
    }
    if (bandwidth.uploadRateLimitBytesPerSecond() < 0) {
      out.add(new PolicyViolation("bandwidth.upload_rate_limit_bytes_per_second",
          "must not be negative (0: no limit)"));
    }
    if (bandwidth.meteredNetworkAction() == null) {
      out.add(new PolicyViolation("bandwidth.metered_network_action", "is required (defer, block or allow)"));
    }
  }

  private static void battery(BatteryRules battery, List<PolicyViolation> out) {
    if (battery == null) {
      out.add(new PolicyViolation("battery", "is required"));
    } else if (battery.minPercentUnplugged() < 0 || battery.minPercentUnplugged() > 100) {
      out.add(new PolicyViolation("battery.min_percent_unplugged",
          "must be 0 (off) to 100 (is " + battery.minPercentUnplugged() + ")"));
    }
  }

  // A Set holds no duplicates; the proto reader reports repeated codes before this runs.
  private static void jurisdictions(Set<String> jurisdictions, List<PolicyViolation> out) {
    if (jurisdictions.isEmpty()) {
      out.add(new PolicyViolation("jurisdictions", "must name at least one country, such as US"));
    }
    int i = 0;
    for (String code : jurisdictions) {
      if (!JURISDICTION.matcher(code).matches()) {
        out.add(new PolicyViolation("jurisdictions[" + i + "]",
            TargetPatterns.quote(code) + " is not an ISO 3166-1 alpha-2 country code such as US"));
      }
      i++;
    }
  }

  private static void durations(Duration offline, Duration heartbeat, List<PolicyViolation> out) {
    if (offline == null || offline.compareTo(MIN_OFFLINE_LIMIT) < 0 || offline.compareTo(MAX_OFFLINE_LIMIT) > 0) {
      out.add(new PolicyViolation("offline_limit", "must be between 1 minute and 30 days"
          + (offline == null ? "" : " (is " + PlainWords.duration(offline) + ")")));
    }
    if (heartbeat == null || heartbeat.compareTo(MIN_HEARTBEAT) < 0 || heartbeat.compareTo(MAX_HEARTBEAT) > 0) {
      out.add(new PolicyViolation("heartbeat_interval", "must be between 1 second and 10 minutes"
          + (heartbeat == null ? "" : " (is " + PlainWords.duration(heartbeat) + ")")));
    } else if (offline != null && heartbeat.compareTo(offline) >= 0) {
      out.add(new PolicyViolation("heartbeat_interval", "must be shorter than offline_limit, or every device"
          + " would go offline between two heartbeats"));
    }
  }
}
