package io.fleetcontrol.fleetctl;

import io.fleetcontrol.fleetctl.PolicyValues.Day;
import io.fleetcontrol.fleetctl.PolicyValues.Span;
import io.fleetcontrol.proto.v1.BandwidthRules;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.wire.WireTime;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code policies get} as a person reads it: what is captured, where, when, and what limits it. */
final class PolicyWords {
  private static final int WIDTH = 100;
  private static final String LABEL = "  %-15s";
  private static final String INDENT = " ".repeat(17);

  private PolicyWords() {}

  static void print(PrintWriter out, Policy p) {
    String created = p.hasCreateTime() ? ", created " + WireTime.fromProto(p.getCreateTime()).toString() : "";
    out.println("policy " + p.getName() + " v" + p.getVersion() + created);
    if (!p.getDescription().isEmpty()) {
      line(out, "description:", p.getDescription());
    }
    line(out, "captures:", p.getCaptureKindsCount() == 0 ? "nothing (no kinds enabled)" : kinds(p.getCaptureKindsValueList()));
    targets(out, "allowed in:", p.getAllowlistList(), "nowhere (the allowlist is empty)");
    targets(out, "never in:", p.getDenylistList(), "-");
    line(out, "pause:", pause(p));
    line(out, "hours:", hours(p));
    line(out, "uploads:", uploads(p));
    line(out, "battery:", battery(p));
    line(out, "where:", p.getJurisdictionsCount() == 0 ? "-" : String.join(", ", p.getJurisdictionsList()) + " only");
    line(out, "offline limit:", (p.hasOfflineLimit() ? "capture stops after " + span(p.getOfflineLimit())
        + " without the controller" : "server default") + "; heartbeat every "
        + (p.hasHeartbeatInterval() ? span(p.getHeartbeatInterval()) : "(server default)"));
    if (!p.getNoticeText().isEmpty()) {
      List<String> notice = p.getNoticeText().strip().lines().toList();
      line(out, "notice:", notice.get(0));
      notice.subList(1, notice.size()).forEach(l -> out.println(INDENT + l));
    }
  }

  private static void line(PrintWriter out, String label, String text) {
    out.println(String.format(LABEL, label) + text);
  }

  /** Apps on one line, sites on the next, wrapped; an entry's own kinds in brackets. */
  private static void targets(PrintWriter out, String label, List<TargetRule> rules, String none) {
    if (rules.isEmpty()) {
      line(out, label, none);
      return;
    }
    List<String> apps = new ArrayList<>();
    List<String> sites = new ArrayList<>();
    for (TargetRule r : rules) {
      String kinds = r.getKindsCount() == 0 ? "" : " (" + kinds(r.getKindsValueList()) + ")";
      if (r.getTargetCase() == TargetRule.TargetCase.APP_ID) {
        apps.add(r.getAppId() + kinds);
      } else {
        sites.add(r.getSitePattern() + kinds);
      }
    }
    List<String> lines = new ArrayList<>();
    if (!apps.isEmpty()) {
      lines.addAll(wrap(plural(apps.size(), "app") + ": ", apps));
    }
    if (!sites.isEmpty()) {
      lines.addAll(wrap(plural(sites.size(), "site") + ": ", sites));
    }
    line(out, label, lines.get(0));
    lines.subList(1, lines.size()).forEach(l -> out.println(INDENT + l));
  }

  private static List<String> wrap(String head, List<String> items) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(head);
    for (int i = 0; i < items.size(); i++) {
      String item = items.get(i) + (i < items.size() - 1 ? "," : "");
      if (line.length() > head.length() && INDENT.length() + line.length() + 1 + item.length() > WIDTH) {
        lines.add(line.toString());
        line = new StringBuilder("  ");
      } else if (line.length() > head.length()) {
        line.append(' ');
      }
      line.append(item);
    }
    lines.add(line.toString());
    return lines;
  }

  private static String pause(Policy p) {
    if (!p.hasPause()) {
      return "server default";
    }
    int perDay = p.getPause().getPausesPerDay();
    return "up to " + (p.getPause().hasMaxPause() ? span(p.getPause().getMaxPause()) : "the default")
        + ", " + (perDay == 0 ? "no daily limit" : perDay + " per day");
  }

  private static String hours(Policy p) {
    if (!p.hasSchedule()) {
      return "any time";
    }
    var s = p.getSchedule();
    return days(s.getDaysList()) + " " + s.getStartLocalTime() + "-" + s.getEndLocalTime() + ", each device's local time";
  }

  /** "mon-fri", "mon, wed, fri", "sat-sun". */
  static String days(List<Integer> numbers) {
    List<Integer> sorted = numbers.stream().distinct().sorted().toList();
    List<String> runs = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int j = i;
      while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
        j++;
      }
      String first = day(sorted.get(i));
      runs.add(j - i >= 2 ? first + "-" + day(sorted.get(j)) : first);
      if (j - i == 1) {
        runs.add(day(sorted.get(j)));
      }
      i = j + 1;
    }
    return runs.isEmpty() ? "no days" : String.join(", ", runs);
  }

  private static String day(int n) {
    return n >= 1 && n <= 7 ? Day.of(n).toString() : "day " + n;
  }

  private static String uploads(Policy p) {
    if (!p.hasBandwidth()) {
      return "no caps";
    }
    BandwidthRules b = p.getBandwidth();
    String daily = b.getDailyUploadCapBytes() == 0 ? "no daily cap" : bytes(b.getDailyUploadCapBytes()) + " a day";
    String monthly = b.getMonthlyUploadCapBytes() == 0 ? "no monthly cap" : bytes(b.getMonthlyUploadCapBytes()) + " a month";
    String rate = b.getUploadRateLimitBytesPerSecond() == 0 ? "no rate limit"
        : "at most " + bytes(b.getUploadRateLimitBytesPerSecond()) + "/s";
    String metered = switch (b.getMeteredNetworkAction()) {
      case METERED_NETWORK_ACTION_DEFER -> "deferred on metered networks";
      case METERED_NETWORK_ACTION_BLOCK -> "blocked on metered networks";
      case METERED_NETWORK_ACTION_ALLOW -> "allowed on metered networks";
      default -> "metered networks: server default";
    };
    return daily + ", " + monthly + ", " + rate + "; " + metered;
  }

  private static String battery(Policy p) {
    if (!p.hasBattery()) {
      return "no rules";
    }
    int min = p.getBattery().getMinPercentUnplugged();
    String text = min == 0 ? "no minimum charge" : "capture stops below " + min + "% when unplugged";
    return text + (p.getBattery().getScreenshotsOnlyWhileCharging() ? "; screenshots only while charging" : "");
  }

  /** "menu selections, screenshots"; a number this fleetctl does not know is shown as one. */
  private static String kinds(List<Integer> numbers) {
    List<String> words = new ArrayList<>();
    for (int n : numbers) {
      CaptureKind kind = CaptureKind.forNumber(n);
      words.add(kind == null || kind == CaptureKind.CAPTURE_KIND_UNSPECIFIED ? "kind " + n
          : kind.name().substring("CAPTURE_KIND_".length()).toLowerCase(Locale.ROOT).replace('_', ' '));
    }
    return String.join(", ", words);
  }

  /** "500 MB", "5 GB", "2 MiB", "1500 bytes": the file's units, spaced for reading. */
  static String bytes(long n) {
    Object text = PolicyValues.Bytes.format(n, "");
    return text instanceof String s ? s.replaceAll("(\\d)([A-Za-z])", "$1 $2") : n + " bytes";
  }

  private static String span(com.google.protobuf.Duration d) {
    return Span.of(d).toString();
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }
}
