package io.fleetcontrol.agent.cli;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.PolicyInPlainWords;
import io.fleetcontrol.proto.agent.v1.GetPolicyResponse;
import io.fleetcontrol.proto.agent.v1.GetStatusResponse;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionRequest;
import io.fleetcontrol.proto.v1.Telemetry;
import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.wire.WireTime;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the employee CLI prints: the agent's answers in plain words, times in the laptop's zone. */
final class EmployeeView {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);
  private static final DateTimeFormatter DAY_AND_CLOCK = DateTimeFormatter.ofPattern("EEE d MMM HH:mm", Locale.ENGLISH);

  private EmployeeView() {}

  static List<String> status(GetStatusResponse s, Instant now) {
    ZoneId zone = zone(s.getTimeZone());
    List<String> lines = new ArrayList<>();
    lines.add("Capture: " + stateWords(s.getCaptureState()));
    lines.add("Why: " + s.getReason());
    lines.add("Laptop: " + s.getDeviceId() + " (" + s.getOwner() + "), in " + s.getJurisdiction() + ", " + zone);
    String contact = s.hasLastControllerContact()
        ? "last heard " + when(WireTime.fromProto(s.getLastControllerContact()), now, zone)
        : "never reached";
    if (s.getConnection().equals("connected")) {
      lines.add("Controller: connected");
    } else {
      String stops = s.hasOfflineLimitTime()
          ? "; capture stops at " + when(WireTime.fromProto(s.getOfflineLimitTime()), now, zone) + " unless it is reached"
          : "";
      lines.add("Controller: not connected (" + s.getConnection() + "), " + contact + stops
          + (s.getLastProblem().isEmpty() ? "" : "; last problem: " + s.getLastProblem()));
    }
    lines.add("Policy: " + (s.getPolicyVersion() == 0
        ? "none yet"
        : s.getPolicyName() + " version " + s.getPolicyVersion() + " (fleet-agent policy shows it)"));
    String pausesLeft = PausesLeft.of(s.getPausesLeftToday()).inWords();
    lines.add("Pause: " + (s.hasActivePause()
        ? "paused until " + when(WireTime.fromProto(s.getActivePause().getEndTime()), now, zone) + "; " + pausesLeft
        : "not paused; " + pausesLeft));
    if (!s.getPendingNotice().isEmpty()) {
      lines.add("Notice to acknowledge before capture starts: " + s.getPendingNotice());
      lines.add("  (read it, then: fleet-agent notice --accept)");
    }
    lines.add("Uploads: " + bytes(s.getUploadedBytesToday()) + " today, " + bytes(s.getUploadedBytesThisMonth())
        + " this month");
    lines.add("Battery: " + battery(s.getTelemetry()));
    if (s.getUnsentRequests() > 0) {
      lines.add("Waiting for the controller: " + s.getUnsentRequests() + " request(s) made on this laptop");
    }
    return lines;
  }

  static List<String> policy(GetPolicyResponse p, Instant now) {
    if (!p.hasPolicy()) {
      return List.of("No policy is in force on this laptop, so nothing is captured.");
    }
    PolicyWire.Read read = PolicyWire.fromProto(p.getPolicy());
    List<String> lines = new ArrayList<>(PolicyInPlainWords.describe(
        read.policy().withVersion(p.getPolicy().getVersion()),
        new PolicyInPlainWords.Usage(p.getUploadedBytesToday(), p.getUploadedBytesThisMonth(), PausesLeft.of(p.getPausesLeftToday()))));
    lines.addAll(exemptions(p.getExemptionsList(), List.of(), now, zone(p.getTimeZone())));
    return lines;
  }

  static List<String> exemptions(List<Exemption> exemptions, List<ExemptionRequest> unsent, Instant now, ZoneId zone) {
    List<String> lines = new ArrayList<>();
    if (exemptions.isEmpty() && unsent.isEmpty()) {
      lines.add("Exemptions: none");
      return lines;
    }
    lines.add("Exemptions:");
    for (Exemption e : exemptions) {
      StringBuilder line = new StringBuilder("  " + e.getExemptionId() + "  " + scopeWords(e.getScope()) + ", "
          + e.getStatus().name().substring("EXEMPTION_STATUS_".length()).toLowerCase(Locale.ROOT));
      if (e.hasExpireTime()) {
        line.append(e.getStatus() == io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_APPROVED ? " until " : ", ended ")
            .append(when(WireTime.fromProto(e.getExpireTime()), now, zone));
      } else if (e.getStatus() == io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_APPROVED) {
        line.append(", no end date");
      }
      if (!e.getDecidedBy().isEmpty()) {
        line.append(" (by ").append(e.getDecidedBy())
            .append(e.getDecisionReason().isEmpty() ? "" : ": " + e.getDecisionReason()).append(")");
      }
      lines.add(line.toString());
    }
    for (ExemptionRequest r : unsent) {
      lines.add("  (waiting for the controller)  " + scopeWords(r.getScope()) + ", asked "
          + when(WireTime.fromProto(r.getRequestTime()), now, zone));
    }
    return lines;
  }

  static String stateWords(CaptureState state) {
    return switch (state) {
      case CAPTURE_STATE_ACTIVE -> "ON (capture may run in the apps and sites the policy lists)";
      case CAPTURE_STATE_PAUSED -> "OFF, paused by you";
      case CAPTURE_STATE_EXEMPT -> "OFF, you have an exemption";
      case CAPTURE_STATE_REGION_BLOCKED -> "OFF, not allowed where this laptop is";
      case CAPTURE_STATE_OUTSIDE_SCHEDULE -> "OFF, outside working hours";
      case CAPTURE_STATE_BATTERY_LOW -> "OFF, battery low";
      case CAPTURE_STATE_BANDWIDTH_CAPPED -> "OFF, upload limit reached";
      case CAPTURE_STATE_OFFLINE_FAIL_CLOSED -> "OFF, the controller has not been reached for too long";
      case CAPTURE_STATE_NO_POLICY -> "OFF, no policy yet";
      case CAPTURE_STATE_NOTICE_PENDING -> "OFF, waiting for you to acknowledge the notice";
      case CAPTURE_STATE_UNSPECIFIED, UNRECOGNIZED -> "unknown";
    };
  }

  private static String scopeWords(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return switch (scope) {
      case EXEMPTION_SCOPE_FULL -> "no capture at all";
      case EXEMPTION_SCOPE_NO_SCREENSHOTS -> "no screenshots";
      case EXEMPTION_SCOPE_NO_KEYSTROKES -> "no keystrokes";
      case EXEMPTION_SCOPE_UNSPECIFIED, UNRECOGNIZED -> "unknown scope";
    };
  }

  private static String battery(Telemetry t) {
    if (!t.getBatteryKnown()) {
      return "unknown (this computer does not say)";
    }
    return t.getBatteryPercent() + " %" + (t.getCharging() ? ", charging" : ", on battery");
  }

  /** "14:32" today, "Tue 24 Nov 09:00" on another day, in the laptop's zone. */
  static String when(Instant at, Instant now, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    return local.toLocalDate().equals(LocalDate.ofInstant(now, zone)) ? CLOCK.format(local) : DAY_AND_CLOCK.format(local);
  }

  static String bytes(long n) {
    if (n < 1000) {
      return n + " bytes";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double value = n;
    int unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  private static ZoneId zone(String id) {
    try {
      return ZoneId.of(id);
    } catch (RuntimeException e) {
      return ZoneId.systemDefault();
    }
  }
}
