package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.wire.PolicyVersionWire;
import io.fleetcontrol.policy.PolicyVersion;
import io.grpc.Status;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.pekko.grpc.GrpcServiceException;

/** Checks on what callers send; each failure names the field and what was wrong with it. */
public final class InputRules {

  private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern JURISDICTION = Pattern.compile("[A-Z]{2}");
  private static final Pattern LABEL_KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  public static final int MAX_LABELS = 32;

  private InputRules() {}

  public static String deviceId(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(field + " is required");
    }
    if (!DEVICE_ID.matcher(value).matches()) {
      throw invalid(
          field + " must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-' (got "
              + describe(value) + ")");
    }
    return value;
  }

  private static final Pattern ENROLLMENT_ID = Pattern.compile("[A-Za-z0-9._-]{16,128}");

  /** The agent's random id for one enrollment: long enough that nobody else guesses it. */
  public static String enrollmentId(String value) {
    if (!ENROLLMENT_ID.matcher(value).matches()) {
      throw invalid("enrollment_id must be 16 to 128 characters of [A-Za-z0-9._-] (a random id the agent "
          + "makes once and keeps), got " + describe(value));
    }
    return value;
  }

  public static String owner(String value) {
    if (value == null || value.isBlank()) {
      throw invalid("owner is required");
    }
    if (value.length() > 256) {
      throw invalid("owner must be at most 256 characters (got " + value.length() + ")");
    }
    return value;
  }

  public static String jurisdiction(String value) {
    if (value == null || !JURISDICTION.matcher(value).matches()) {
      throw invalid("jurisdiction must be an ISO 3166-1 alpha-2 code such as US (got "
          + describe(value) + ")");
    }
    return value;
  }

  public static Map<String, String> labels(Map<String, String> labels) {
    if (labels.size() > MAX_LABELS) {
      throw invalid("labels: at most " + MAX_LABELS + " labels (got " + labels.size() + ")");
    }
    labels.forEach(
        (key, value) -> {
          if (!LABEL_KEY.matcher(key).matches()) {
            throw invalid("labels: key " + describe(key)
                + " must be 1 to 63 characters of a-z, 0-9, '.', '_' or '-'");
          }
          if (value.length() > 128) {
            throw invalid("labels: value of " + key + " must be at most 128 characters");
          }
        });
    return labels;
  }

  public static String timeZone(String value) {
    if (value == null || value.isEmpty()) {
      return "UTC";
    }
    if (value.length() > 64) {
      throw invalid("time_zone must be at most 64 characters (got " + value.length() + ")");
    }
    try {
      return ZoneId.of(value).getId();
    } catch (DateTimeException e) {
      throw invalid("time_zone " + describe(value) + " is not an IANA time zone id");
    }
  }

  public static String agentVersion(String value) {
    if (value != null && value.length() > 64) {
      throw invalid("agent_version must be at most 64 characters");
    }
    return value == null ? "" : value;
  }

  /** The largest upload one heartbeat may report (a day of capture at full rate is far less). */
  static final long MAX_UPLOAD_DELTA = 1L << 40;

  /**
   * What is wrong with a policy version a client sent, or null: a version number needs its
   * policy's name (numbers repeat across policies), and neither may be out of range.
   */
  static String policyVersionProblem(String field, io.fleetcontrol.proto.v1.PolicyVersion version) {
    if (version.getVersion() < 0) {
      return field + ".version must not be negative (got " + version.getVersion() + ")";
    }
    if (version.getPolicyName().length() > io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS) {
      return field + ".policy_name must be at most " + io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS
          + " characters (got " + version.getPolicyName().length() + ")";
    }
    if (version.getVersion() > 0 && version.getPolicyName().isEmpty()) {
      return field + ".policy_name is required with a version: version numbers repeat across policies";
    }
    return null;
  }

  /** A policy version a caller sent, checked; INVALID_ARGUMENT naming the field otherwise. */
  public static PolicyVersion policyVersion(String field, io.fleetcontrol.proto.v1.PolicyVersion version) {
    String problem = policyVersionProblem(field, version);
    if (problem != null) {
      throw invalid(problem);
    }
    return PolicyVersionWire.fromProto(version);
  }

  /** What is wrong with a heartbeat, or null: numbers a laptop can report, strings of bounded size. */
  public static String heartbeatProblem(io.fleetcontrol.proto.v1.Heartbeat heartbeat) {
    var t = heartbeat.getTelemetry();
    if (heartbeat.getAgentVersion().length() > 64) {
      return "agent_version must be at most 64 characters (got " + heartbeat.getAgentVersion().length() + ")";
    }
    String applied = policyVersionProblem("applied_policy", heartbeat.getAppliedPolicy());
    if (applied != null) {
      return applied;
    }
    if (t.getBatteryKnown() && (t.getBatteryPercent() < 0 || t.getBatteryPercent() > 100)) {
      return "telemetry.battery_percent must be 0 to 100 (got " + t.getBatteryPercent() + ")";
    }
    if (t.getUploadedBytesDelta() < 0 || t.getUploadedBytesDelta() > MAX_UPLOAD_DELTA) {
      return "telemetry.uploaded_bytes_delta must be 0 to " + MAX_UPLOAD_DELTA + " (got " + t.getUploadedBytesDelta() + ")";
    }
    if (!Double.isFinite(t.getAgentCpuPercent()) || t.getAgentCpuPercent() < 0 || t.getAgentCpuPercent() > 100_000) {
      return "telemetry.agent_cpu_percent must be a finite number from 0 (got " + t.getAgentCpuPercent() + ")";
    }
    if (t.getAgentRssBytes() < 0 || t.getAgentErrorCount() < 0) {
      return "telemetry.agent_rss_bytes and agent_error_count must not be negative";
    }
    return null;
  }

  /** A time as sent, refused (naming {@code field}) outside years 1 to 9999 or with nanos past a second. */
  public static java.time.Instant time(String field, com.google.protobuf.Timestamp t) {
    if (!io.fleetcontrol.wire.WireTime.isValid(t)) {
      throw invalid(field + " is not a valid timestamp (seconds " + t.getSeconds() + ", nanos " + t.getNanos()
          + "); times run from year 1 to 9999");
    }
    return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /** A time that must fall after {@code now} and at most {@code longest} after it. */
  public static java.time.Instant timeAhead(String field, com.google.protobuf.Timestamp t, java.time.Instant now,
      java.time.Duration longest, String longestInWords) {
    java.time.Instant at = time(field, t);
    if (!at.isAfter(now) || at.isAfter(now.plus(longest))) {
      throw invalid(field + " must be in the future and at most " + longestInWords + " ahead (got " + at + ")");
    }
    return at;
  }

  /** A duration as sent: protobuf's range (about 10,000 years) with nanos of the seconds' sign. */
  public static java.time.Duration duration(String field, com.google.protobuf.Duration d) {
    if (!io.fleetcontrol.wire.WireTime.isValid(d)) {
      throw invalid(field + " is not a valid duration (seconds " + d.getSeconds() + ", nanos " + d.getNanos() + ")");
    }
    return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /** Free text people write (an employee's comment, an admin's reason): both are shown to others. */
  static final int MAX_TEXT_CHARS = 2000;

  /** A free-text reason an admin gives (the audit trail and the employee see it). */
  public static String reason(String value) {
    return text("reason", value);
  }

  public static String comment(String value) {
    return text("comment", value);
  }

  /** Who did something, as the audit trail names it: an admin identity, "agent" or "system". */
  public static String actor(String value) {
    return text("actor", value, 256);
  }

  private static String text(String field, String value) {
    return text(field, value, MAX_TEXT_CHARS);
  }

  private static String text(String field, String value, int maxChars) {
    if (value.length() > maxChars) {
      throw invalid(field + " must be at most " + maxChars + " characters (got " + value.length() + ")");
    }
    return value;
  }

  public static GrpcServiceException invalid(String message) {
    return new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(message));
  }

  /** Quotes a value for an error message without echoing megabytes back. */
  public static String describe(String value) {
    return io.fleetcontrol.wire.WireTime.quoted(value);
  }
}
