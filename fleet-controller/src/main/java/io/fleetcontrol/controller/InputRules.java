package io.fleetcontrol.controller;

import io.grpc.Status;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.pekko.grpc.GrpcServiceException;

/** Checks on what callers send; each failure names the field and what was wrong with it. */
final class InputRules {

  private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern JURISDICTION = Pattern.compile("[A-Z]{2}");
  private static final Pattern LABEL_KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  static final int MAX_LABELS = 32;

  private InputRules() {}

  static String deviceId(String field, String value) {
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
  static String enrollmentId(String value) {
    if (!ENROLLMENT_ID.matcher(value).matches()) {
      throw invalid("enrollment_id must be 16 to 128 characters of [A-Za-z0-9._-] (a random id the agent "
          + "makes once and keeps), got " + describe(value));
    }
    return value;
  }

  static String owner(String value) {
    if (value == null || value.isBlank()) {
      throw invalid("owner is required");
    }
    if (value.length() > 256) {
      throw invalid("owner must be at most 256 characters (got " + value.length() + ")");
    }
    return value;
  }

  static String jurisdiction(String value) {
    if (value == null || !JURISDICTION.matcher(value).matches()) {
      throw invalid("jurisdiction must be an ISO 3166-1 alpha-2 code such as US (got "
          + describe(value) + ")");
    }
    return value;
  }

  static Map<String, String> labels(Map<String, String> labels) {
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

  static String timeZone(String value) {
    if (value == null || value.isEmpty()) {
      return "UTC";
    }
    try {
      return ZoneId.of(value).getId();
    } catch (DateTimeException e) {
      throw invalid("time_zone " + describe(value) + " is not an IANA time zone id");
    }
  }

  static String agentVersion(String value) {
    if (value != null && value.length() > 64) {
      throw invalid("agent_version must be at most 64 characters");
    }
    return value == null ? "" : value;
  }

  static String comment(String value) {
    if (value.length() > 2000) {
      throw invalid("comment must be at most 2000 characters (got " + value.length() + ")");
    }
    return value;
  }

  static GrpcServiceException invalid(String message) {
    return new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(message));
  }

  /** Quotes a value for an error message without echoing megabytes back. */
  static String describe(String value) {
    return io.fleetcontrol.wire.WireTime.quoted(value);
  }
}
