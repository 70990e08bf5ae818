package io.fleetcontrol.fleetctl;

import io.fleetcontrol.fleetctl.PolicyFile.Bandwidth;
import io.fleetcontrol.fleetctl.PolicyFile.Battery;
import io.fleetcontrol.fleetctl.PolicyFile.FileError;
import io.fleetcontrol.fleetctl.PolicyFile.Pause;
import io.fleetcontrol.fleetctl.PolicyFile.Target;
import io.fleetcontrol.fleetctl.PolicyFile.WorkingHours;
import io.fleetcontrol.fleetctl.PolicyValues.ByteRate;
import io.fleetcontrol.fleetctl.PolicyValues.ByteSize;
import io.fleetcontrol.fleetctl.PolicyValues.ClockTime;
import io.fleetcontrol.fleetctl.PolicyValues.Day;
import io.fleetcontrol.fleetctl.PolicyValues.Kind;
import io.fleetcontrol.fleetctl.PolicyValues.Metered;
import io.fleetcontrol.fleetctl.PolicyValues.Span;
import io.fleetcontrol.proto.v1.BandwidthRules;
import io.fleetcontrol.proto.v1.BatteryRules;
import io.fleetcontrol.proto.v1.PauseRules;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.Schedule;
import io.fleetcontrol.proto.v1.TargetRule;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link PolicyFile} to and from fleet.v1 Policy, one function per direction. Unset messages and
 * empty lists are left out of the file, so a printed policy reads back to the same proto.
 */
final class PolicyFileMapping {

  private PolicyFileMapping() {}

  /** A proto for CreatePolicy/UpdatePolicy; fails only on what the records cannot express (a missing name). */
  static Policy toProto(PolicyFile file) {
    if (file.name() == null || file.name().isBlank()) {
      throw new FileError(null, "name is required");
    }
    Policy.Builder p = Policy.newBuilder().setName(file.name());
    if (file.description() != null) {
      p.setDescription(file.description());
    }
    each("capture_kinds", file.captureKinds(), kind -> p.addCaptureKinds(kind.toProto()));
    targets("allowlist", file.allowlist(), p::addAllowlist);
    targets("denylist", file.denylist(), p::addDenylist);
    if (file.pause() != null) {
      PauseRules.Builder b = PauseRules.newBuilder();
      if (file.pause().maxPause() != null) {
        b.setMaxPause(file.pause().maxPause().toProto());
      }
      if (file.pause().pausesPerDay() != null) {
        b.setPausesPerDay(file.pause().pausesPerDay());
      }
      p.setPause(b);
    }
    if (file.schedule() != null) {
      Schedule.Builder b = Schedule.newBuilder();
      each("schedule.days", file.schedule().days(), day -> b.addDays(day.number()));
      if (file.schedule().start() != null) {
        b.setStartLocalTime(file.schedule().start().text());
      }
      if (file.schedule().end() != null) {
        b.setEndLocalTime(file.schedule().end().text());
      }
      p.setSchedule(b);
    }
    if (file.bandwidth() != null) {
      BandwidthRules.Builder b = BandwidthRules.newBuilder();
      if (file.bandwidth().dailyUploadCap() != null) {
        b.setDailyUploadCapBytes(file.bandwidth().dailyUploadCap().bytes());
      }
      if (file.bandwidth().monthlyUploadCap() != null) {
        b.setMonthlyUploadCapBytes(file.bandwidth().monthlyUploadCap().bytes());
      }
      if (file.bandwidth().meteredNetwork() != null) {
        b.setMeteredNetworkAction(file.bandwidth().meteredNetwork().toProto());
      }
      if (file.bandwidth().uploadRateLimit() != null) {
        b.setUploadRateLimitBytesPerSecond(file.bandwidth().uploadRateLimit().bytesPerSecond());
      }
      p.setBandwidth(b);
    }
    if (file.battery() != null) {
      BatteryRules.Builder b = BatteryRules.newBuilder();
      if (file.battery().minPercentUnplugged() != null) {
        b.setMinPercentUnplugged(file.battery().minPercentUnplugged());
      }
      if (file.battery().screenshotsOnlyWhileCharging() != null) {
        b.setScreenshotsOnlyWhileCharging(file.battery().screenshotsOnlyWhileCharging());
      }
      p.setBattery(b);
    }
    each("jurisdictions", file.jurisdictions(), p::addJurisdictions);
    if (file.offlineLimit() != null) {
      p.setOfflineLimit(file.offlineLimit().toProto());
    }
    if (file.heartbeatInterval() != null) {
      p.setHeartbeatInterval(file.heartbeatInterval().toProto());
    }
    if (file.notice() != null) {
      p.setNoticeText(file.notice());
    }
    return p.build();
  }

  private static <T> void each(String field, List<T> items, Consumer<T> add) {
    if (items == null) {
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) == null) {
        throw new FileError(null, field + "[" + i + "]", field + "[" + i + "] is empty");
      }
      add.accept(items.get(i));
    }
  }

  private static void targets(String field, List<Target> entries, Consumer<TargetRule> add) {
    each(field, entries, new Consumer<>() {
      private int index;

      @Override
      public void accept(Target entry) {
        String path = field + "[" + index++ + "]";
        if ((entry.app() == null) == (entry.site() == null)) {
          throw new FileError(null, path, path + " needs exactly one of app or site");
        }
        TargetRule.Builder rule = entry.app() != null
            ? TargetRule.newBuilder().setAppId(entry.app())
            : TargetRule.newBuilder().setSitePattern(entry.site());
        each(path + ".kinds", entry.kinds(), kind -> rule.addKinds(kind.toProto()));
        add.accept(rule.build());
      }
    });
  }

  /** The policy in the file's shape; unset messages and empty lists are left out, so it reads back the same. */
  static PolicyFile fromProto(Policy p) {
    Pause pause = null;
    if (p.hasPause()) {
      PauseRules r = p.getPause();
      pause = new Pause(r.hasMaxPause() ? Span.of(r.getMaxPause()) : null, r.getPausesPerDay());
    }
    WorkingHours schedule = null;
    if (p.hasSchedule()) {
      Schedule s = p.getSchedule();
      schedule = new WorkingHours(
          nullIfEmpty(s.getDaysList().stream().map(Day::of).toList()),
          s.getStartLocalTime().isEmpty() ? null : new ClockTime(s.getStartLocalTime()),
          s.getEndLocalTime().isEmpty() ? null : new ClockTime(s.getEndLocalTime()));
    }
    Bandwidth bandwidth = null;
    if (p.hasBandwidth()) {
      BandwidthRules b = p.getBandwidth();
      bandwidth = new Bandwidth(new ByteSize(b.getDailyUploadCapBytes()), new ByteSize(b.getMonthlyUploadCapBytes()),
          Metered.of(b.getMeteredNetworkActionValue()), new ByteRate(b.getUploadRateLimitBytesPerSecond()));
    }
    Battery battery = null;
    if (p.hasBattery()) {
      battery = new Battery(p.getBattery().getMinPercentUnplugged(), p.getBattery().getScreenshotsOnlyWhileCharging());
    }
    return new PolicyFile(
        p.getName(),
        p.getVersion() > 0 ? p.getVersion() : null,
        emptyToNull(p.getDescription()),
        kinds(p.getCaptureKindsValueList()),
        nullIfEmpty(p.getAllowlistList().stream().map(PolicyFileMapping::target).toList()),
        nullIfEmpty(p.getDenylistList().stream().map(PolicyFileMapping::target).toList()),
        pause,
        schedule,
        bandwidth,
        battery,
        nullIfEmpty(p.getJurisdictionsList()),
        p.hasOfflineLimit() ? Span.of(p.getOfflineLimit()) : null,
        p.hasHeartbeatInterval() ? Span.of(p.getHeartbeatInterval()) : null,
        emptyToNull(p.getNoticeText()));
  }

  private static Target target(TargetRule rule) {
    return switch (rule.getTargetCase()) {
      case APP_ID -> new Target(rule.getAppId(), null, kinds(rule.getKindsValueList()));
      case SITE_PATTERN -> new Target(null, rule.getSitePattern(), kinds(rule.getKindsValueList()));
      case TARGET_NOT_SET -> new Target(null, null, kinds(rule.getKindsValueList()));
    };
  }

  private static List<Kind> kinds(List<Integer> numbers) {
    return nullIfEmpty(numbers.stream().map(Kind::of).toList());
  }

  private static <T> List<T> nullIfEmpty(List<T> list) {
    return list.isEmpty() ? null : list;
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
