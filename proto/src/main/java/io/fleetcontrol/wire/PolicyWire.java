package io.fleetcontrol.wire;

import io.fleetcontrol.policy.BandwidthRules;
import io.fleetcontrol.policy.BatteryRules;
import io.fleetcontrol.policy.CaptureKind;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.Schedule;
import io.fleetcontrol.policy.TargetRule;
import io.fleetcontrol.proto.v1.MeteredNetworkAction;
import io.fleetcontrol.proto.v1.TargetRule.TargetCase;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The policy document between fleet.v1 and the domain, shared by the controller (which reads what
 * ops send) and the agent (which reads what the controller pushes). Reading is strict: what cannot be read
 * at all (an unknown enum value, a time that is not HH:MM) is collected with its field path, so
 * the caller can refuse the whole document with every problem named, before PolicyValidator
 * checks the rules.
 */
public final class PolicyWire {

  private PolicyWire() {}

  /** Fields that could not be read, as "field: message". Empty when the document was readable. */
  public record Read(Policy policy, List<String> problems) {

    public boolean readable() {
      return problems.isEmpty();
    }
  }

  public static Read fromProto(io.fleetcontrol.proto.v1.Policy p) {
    List<String> problems = new ArrayList<>();
    Set<CaptureKind> kinds = kinds("capture_kinds", p.getCaptureKindsValueList(), problems);
    List<TargetRule> allow = rules("allowlist", p.getAllowlistList(), problems);
    List<TargetRule> deny = rules("denylist", p.getDenylistList(), problems);
    PauseRules pause =
        p.hasPause()
            ? new PauseRules(
                p.getPause().hasMaxPause()
                    ? duration("pause.max_pause", p.getPause().getMaxPause(), problems) : PauseRules.DEFAULT_MAX_PAUSE,
                p.getPause().getPausesPerDay())
            : PauseRules.DEFAULT;
    Schedule schedule = p.hasSchedule() ? schedule(p.getSchedule(), problems) : null;
    BandwidthRules bandwidth = p.hasBandwidth() ? bandwidth(p.getBandwidth(), problems) : BandwidthRules.UNLIMITED;
    BatteryRules battery =
        p.hasBattery()
            ? new BatteryRules(p.getBattery().getMinPercentUnplugged(), p.getBattery().getScreenshotsOnlyWhileCharging())
            : BatteryRules.NONE;
    Set<String> jurisdictions =
        p.getJurisdictionsCount() == 0 ? Policy.DEFAULT_JURISDICTIONS : new LinkedHashSet<>(p.getJurisdictionsList());
    if (p.getJurisdictionsCount() != jurisdictions.size() && p.getJurisdictionsCount() > 0) {
      problems.add("jurisdictions: each code may appear once");
    }
    Duration offline = p.hasOfflineLimit()
        ? duration("offline_limit", p.getOfflineLimit(), problems) : Policy.DEFAULT_OFFLINE_LIMIT;
    Duration heartbeat = p.hasHeartbeatInterval()
        ? duration("heartbeat_interval", p.getHeartbeatInterval(), problems) : Policy.DEFAULT_HEARTBEAT_INTERVAL;
    Policy policy = new Policy(p.getName(), 0, kinds, allow, deny, pause, schedule, bandwidth, battery,
        jurisdictions, offline, heartbeat, p.getNoticeText());
    return new Read(policy, problems);
  }

  private static Set<CaptureKind> kinds(String field, List<Integer> values, List<String> problems) {
    Set<CaptureKind> kinds = EnumSet.noneOf(CaptureKind.class);
    for (int i = 0; i < values.size(); i++) {
      var kind = io.fleetcontrol.proto.v1.CaptureKind.forNumber(values.get(i));
      if (kind == null || kind == io.fleetcontrol.proto.v1.CaptureKind.CAPTURE_KIND_UNSPECIFIED) {
        problems.add(field + "[" + i + "]: " + values.get(i) + " is not a capture kind");
      } else {
        kinds.add(CaptureKind.valueOf(kind.name().substring("CAPTURE_KIND_".length())));
      }
    }
    return kinds;
  }

  private static List<TargetRule> rules(
      String field, List<io.fleetcontrol.proto.v1.TargetRule> entries, List<String> problems) {
    List<TargetRule> rules = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      var entry = entries.get(i);
      String path = field + "[" + i + "]";
      Set<CaptureKind> kinds = kinds(path + ".kinds", entry.getKindsValueList(), problems);
      if (entry.getTargetCase() == TargetCase.APP_ID) {
        rules.add(new TargetRule(TargetRule.TargetType.APP, entry.getAppId(), kinds));
      } else if (entry.getTargetCase() == TargetCase.SITE_PATTERN) {
        rules.add(new TargetRule(TargetRule.TargetType.SITE, entry.getSitePattern(), kinds));
      } else {
        problems.add(path + ": needs an app_id or a site_pattern");
      }
    }
    return rules;
  }

  private static Schedule schedule(io.fleetcontrol.proto.v1.Schedule s, List<String> problems) {
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    for (int i = 0; i < s.getDaysCount(); i++) {
      int day = s.getDays(i);
      if (day < 1 || day > 7) {
        problems.add("schedule.days[" + i + "]: " + day + " is not a day (1 = Monday .. 7 = Sunday)");
      } else {
        days.add(DayOfWeek.of(day));
      }
    }
    LocalTime start = time("schedule.start_local_time", s.getStartLocalTime(), problems);
    LocalTime end = time("schedule.end_local_time", s.getEndLocalTime(), problems);
    return new Schedule(days, start, end);
  }

  private static LocalTime time(String field, String value, List<String> problems) {
    try {
      return LocalTime.parse(value);
    } catch (DateTimeParseException e) {
      problems.add(field + ": " + WireTime.quoted(value) + " is not a time of day HH:MM");
      return LocalTime.MIDNIGHT;
    }
  }

  private static BandwidthRules bandwidth(io.fleetcontrol.proto.v1.BandwidthRules b, List<String> problems) {
    BandwidthRules.MeteredNetworkAction action = BandwidthRules.MeteredNetworkAction.DEFER;
    switch (b.getMeteredNetworkAction()) {
      case METERED_NETWORK_ACTION_UNSPECIFIED, METERED_NETWORK_ACTION_DEFER -> {}
      case METERED_NETWORK_ACTION_BLOCK -> action = BandwidthRules.MeteredNetworkAction.BLOCK;
      case METERED_NETWORK_ACTION_ALLOW -> action = BandwidthRules.MeteredNetworkAction.ALLOW;
      default -> problems.add("bandwidth.metered_network_action: " + b.getMeteredNetworkActionValue()
          + " is not an action");
    }
    return new BandwidthRules(b.getDailyUploadCapBytes(), b.getMonthlyUploadCapBytes(), action,
        b.getUploadRateLimitBytesPerSecond());
  }

  /** The duration, or zero with a problem when it is outside protobuf's range (java.time would throw). */
  private static Duration duration(String field, com.google.protobuf.Duration d, List<String> problems) {
    if (!WireTime.isValid(d)) {
      problems.add(field + ": not a valid duration (seconds " + d.getSeconds() + ", nanos " + d.getNanos() + ")");
      return Duration.ZERO;
    }
    return WireTime.fromProto(d);
  }

  public static io.fleetcontrol.proto.v1.Policy toProto(Policy policy) {
    var builder =
        io.fleetcontrol.proto.v1.Policy.newBuilder()
            .setName(policy.name())
            .setVersion(policy.version())
            .addAllJurisdictions(policy.jurisdictions().stream().sorted().toList())
            .setOfflineLimit(WireTime.toProto(policy.offlineLimit()))
            .setHeartbeatInterval(WireTime.toProto(policy.heartbeatInterval()))
            .setNoticeText(policy.noticeText())
            .setPause(io.fleetcontrol.proto.v1.PauseRules.newBuilder()
                .setMaxPause(WireTime.toProto(policy.pause().maxPause()))
                .setPausesPerDay(policy.pause().pausesPerDay()))
            .setBandwidth(io.fleetcontrol.proto.v1.BandwidthRules.newBuilder()
                .setDailyUploadCapBytes(policy.bandwidth().dailyUploadCapBytes())
                .setMonthlyUploadCapBytes(policy.bandwidth().monthlyUploadCapBytes())
                .setMeteredNetworkAction(MeteredNetworkAction.valueOf(
                    "METERED_NETWORK_ACTION_" + policy.bandwidth().meteredNetworkAction().name()))
                .setUploadRateLimitBytesPerSecond(policy.bandwidth().uploadRateLimitBytesPerSecond()))
            .setBattery(io.fleetcontrol.proto.v1.BatteryRules.newBuilder()
                .setMinPercentUnplugged(policy.battery().minPercentUnplugged())
                .setScreenshotsOnlyWhileCharging(policy.battery().screenshotsOnlyWhileCharging()));
    policy.captureKinds().stream().sorted().forEach(k -> builder.addCaptureKinds(kind(k)));
    policy.allowlist().forEach(r -> builder.addAllowlist(rule(r)));
    policy.denylist().forEach(r -> builder.addDenylist(rule(r)));
    if (policy.schedule() != null) {
      var s = io.fleetcontrol.proto.v1.Schedule.newBuilder()
          .setStartLocalTime(policy.schedule().start().toString())
          .setEndLocalTime(policy.schedule().end().toString());
      policy.schedule().days().stream().sorted().forEach(d -> s.addDays(d.getValue()));
      builder.setSchedule(s);
    }
    return builder.build();
  }

  private static io.fleetcontrol.proto.v1.CaptureKind kind(CaptureKind kind) {
    return io.fleetcontrol.proto.v1.CaptureKind.valueOf("CAPTURE_KIND_" + kind.name());
  }

  private static io.fleetcontrol.proto.v1.TargetRule rule(TargetRule rule) {
    var builder = io.fleetcontrol.proto.v1.TargetRule.newBuilder();
    if (rule.type() == TargetRule.TargetType.APP) {
      builder.setAppId(rule.pattern());
    } else {
      builder.setSitePattern(rule.pattern());
    }
    rule.kinds().stream().sorted().forEach(k -> builder.addKinds(kind(k)));
    return builder.build();
  }
}
