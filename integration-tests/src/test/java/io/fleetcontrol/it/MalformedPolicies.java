package io.fleetcontrol.it;

import io.fleetcontrol.proto.v1.BandwidthRules;
import io.fleetcontrol.proto.v1.BatteryRules;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.PauseRules;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.Schedule;
import io.fleetcontrol.proto.v1.TargetRule;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** 200 distinct policies, each broken in one way, with the field the refusal must name. */
final class MalformedPolicies {

  record Case(String label, String field, Policy policy) {}

  private MalformedPolicies() {}

  private static Policy.Builder valid(int n) {
    return Policy.newBuilder()
        .setName("bad-" + n)
        .addCaptureKinds(CaptureKind.CAPTURE_KIND_CLICKS)
        .addCaptureKinds(CaptureKind.CAPTURE_KIND_POINTER)
        .addAllowlist(TargetRule.newBuilder().setAppId("com.microsoft.Excel"));
  }

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    class Adder {
      void add(String label, String field, UnaryOperator<Policy.Builder> breakIt) {
        int n = cases.size();
        cases.add(new Case(label + " #" + n, field, breakIt.apply(valid(n)).build()));
      }
    }
    Adder add = new Adder();

    for (String name : List.of("", "Upper", "with space", "-leading", "x".repeat(65), "a/b", "a.b", "ünicode",
        "tab\tname", "UPPER-CASE")) {
      add.add("name " + name, "name", p -> p.setName(name));
    }
    String[] badSites = {"http://example.com", "example.com/path", "*", "*.*.example.com", "a..b.com",
        "-a.example.com", "example.com:443", "localhost", "exa mple.com", "*example.com", "ex*ample.com",
        "example.com.*", "a.-b.com", "", ".example.com", "example..com", "x".repeat(64) + ".com",
        "user@example.com", "exam_ple.com", "example.com?q=1"};
    for (String site : badSites) {
      add.add("allowlist site " + site, "allowlist[1].pattern",
          p -> p.addAllowlist(TargetRule.newBuilder().setSitePattern(site)));
      add.add("denylist site " + site, "denylist[0].pattern",
          p -> p.addDenylist(TargetRule.newBuilder().setSitePattern(site)));
    }
    for (String app : List.of("", "with space", "x".repeat(256), "a/b", "slash\\app", "semi;colon")) {
      add.add("allowlist app " + app, "allowlist[0].pattern",
          p -> p.setAllowlist(0, TargetRule.newBuilder().setAppId(app)));
      add.add("denylist app " + app, "denylist[0].pattern",
          p -> p.addDenylist(TargetRule.newBuilder().setAppId(app)));
    }
    for (int kind : new int[] {0, 7, 42, 99, -1}) {
      add.add("capture kind " + kind, "capture_kinds[2]", p -> p.addCaptureKindsValue(kind));
      add.add("allowlist kind " + kind, "allowlist[0].kinds[0]",
          p -> p.setAllowlist(0, TargetRule.newBuilder().setAppId("slack").addKindsValue(kind)));
    }
    add.add("no capture kinds", "capture_kinds", Policy.Builder::clearCaptureKinds);
    for (CaptureKind notEnabled : List.of(CaptureKind.CAPTURE_KIND_SCREENSHOTS, CaptureKind.CAPTURE_KIND_KEYSTROKES,
        CaptureKind.CAPTURE_KIND_CLIPBOARD, CaptureKind.CAPTURE_KIND_MENU_SELECTIONS)) {
      add.add("allowlist kind not enabled " + notEnabled, "allowlist[0].kinds",
          p -> p.setAllowlist(0, TargetRule.newBuilder().setAppId("slack").addKinds(notEnabled)));
    }
    add.add("entry without target", "allowlist[1]", p -> p.addAllowlist(TargetRule.newBuilder()));
    for (long s : new long[] {8 * 3600 + 1, 9 * 3600, 24 * 3600, 7 * 86400, 365 * 86400, -60, -1}) {
      add.add("max pause " + s, "pause.max_pause",
          p -> p.setPause(PauseRules.newBuilder().setMaxPause(seconds(s))));
    }
    for (int perDay : new int[] {-1, -10, 101, 1000, Integer.MAX_VALUE}) {
      add.add("pauses per day " + perDay, "pause.pauses_per_day",
          p -> p.setPause(PauseRules.newBuilder().setMaxPause(seconds(600)).setPausesPerDay(perDay)));
    }
    for (long cap : new long[] {-1, -1024, -1_000_000, Long.MIN_VALUE}) {
      add.add("daily cap " + cap, "bandwidth.daily_upload_cap_bytes",
          p -> p.setBandwidth(BandwidthRules.newBuilder().setDailyUploadCapBytes(cap)));
      add.add("monthly cap " + cap, "bandwidth.monthly_upload_cap_bytes",
          p -> p.setBandwidth(BandwidthRules.newBuilder().setMonthlyUploadCapBytes(cap)));
      add.add("rate limit " + cap, "bandwidth.upload_rate_limit_bytes_per_second",
          p -> p.setBandwidth(BandwidthRules.newBuilder().setUploadRateLimitBytesPerSecond(cap)));
    }
    for (long daily : new long[] {2_000, 5_000_000, 1L << 40}) {
      add.add("monthly below daily " + daily, "bandwidth.monthly_upload_cap_bytes",
          p -> p.setBandwidth(BandwidthRules.newBuilder().setDailyUploadCapBytes(daily).setMonthlyUploadCapBytes(daily - 1)));
    }
    for (int action : new int[] {4, 9, -2}) {
      add.add("metered action " + action, "bandwidth.metered_network_action",
          p -> p.setBandwidth(BandwidthRules.newBuilder().setMeteredNetworkActionValue(action)));
    }
    for (int percent : new int[] {-1, -50, 101, 150, 1000}) {
      add.add("battery " + percent, "battery.min_percent_unplugged",
          p -> p.setBattery(BatteryRules.newBuilder().setMinPercentUnplugged(percent)));
    }
    for (String code : List.of("usa", "u", "12", "us", "U S", "", "USA", "DEU", "u1", "EU-")) {
      add.add("jurisdiction " + code, "jurisdictions", p -> p.addJurisdictions("US").addJurisdictions(code));
    }
    add.add("duplicate jurisdiction", "jurisdictions", p -> p.addJurisdictions("US").addJurisdictions("US"));
    for (long s : new long[] {0, 1, 30, 59, 31L * 86400, 365L * 86400, -3600}) {
      add.add("offline limit " + s, "offline_limit", p -> p.setOfflineLimit(seconds(s)));
    }
    for (long s : new long[] {0, 601, 3600, 86400, -5}) {
      add.add("heartbeat " + s, "heartbeat_interval", p -> p.setHeartbeatInterval(seconds(s)));
    }
    add.add("huge allowlist", "allowlist", p -> {
      for (int i = 0; i < 1001; i++) {
        p.addAllowlist(TargetRule.newBuilder().setAppId("app" + i));
      }
      return p;
    });
    add.add("huge denylist", "denylist", p -> {
      for (int i = 0; i < 1001; i++) {
        p.addDenylist(TargetRule.newBuilder().setSitePattern("s" + i + ".example.com"));
      }
      return p;
    });
    add.add("schedule without days", "schedule.days",
        p -> p.setSchedule(Schedule.newBuilder().setStartLocalTime("08:00").setEndLocalTime("18:00")));
    for (int day : new int[] {0, 8, -1, 70}) {
      add.add("schedule day " + day, "schedule.days[0]", p -> p.setSchedule(Schedule.newBuilder()
          .addDays(day).setStartLocalTime("08:00").setEndLocalTime("18:00")));
    }
    for (String time : List.of("25:00", "8am", "", "12:60", "noon", "-01:00")) {
      add.add("schedule start " + time, "schedule.start_local_time", p -> p.setSchedule(Schedule.newBuilder()
          .addDays(1).setStartLocalTime(time).setEndLocalTime("18:00")));
      add.add("schedule end " + time, "schedule.end_local_time", p -> p.setSchedule(Schedule.newBuilder()
          .addDays(1).setStartLocalTime("08:00").setEndLocalTime(time)));
    }
    for (int extra : new int[] {1, 100, 5000}) {
      add.add("notice +" + extra, "notice_text", p -> p.setNoticeText("n".repeat(10_000 + extra)));
    }
    for (int i = 0; cases.size() < 200; i++) {
      String site = "bad" + i + ".exa mple.com";
      add.add("allowlist site " + site, "allowlist[1].pattern",
          p -> p.addAllowlist(TargetRule.newBuilder().setSitePattern(site)));
    }
    return List.copyOf(cases.subList(0, 200));
  }
}
