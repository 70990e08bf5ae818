package io.fleetcontrol.wire;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;

/** java.time values to and from the protobuf well-known types. */
public final class WireTime {

  private WireTime() {}

  public static Timestamp toProto(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  public static Instant fromProto(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  public static com.google.protobuf.Duration toProto(Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }

  public static Duration fromProto(com.google.protobuf.Duration duration) {
    return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }

  /** Protobuf's Timestamp range: years 1 to 9999, nanos within a second (java.time takes more). */
  public static boolean isValid(Timestamp t) {
    return t.getSeconds() >= -62_135_596_800L && t.getSeconds() <= 253_402_300_799L
        && t.getNanos() >= 0 && t.getNanos() <= 999_999_999;
  }

  /** Protobuf's Duration range: about 10,000 years either way, nanos of the seconds' sign. */
  public static boolean isValid(com.google.protobuf.Duration d) {
    long maxSeconds = 315_576_000_000L;
    boolean signsAgree = d.getSeconds() == 0 || d.getNanos() == 0 || (d.getSeconds() < 0) == (d.getNanos() < 0);
    return d.getSeconds() >= -maxSeconds && d.getSeconds() <= maxSeconds
        && d.getNanos() >= -999_999_999 && d.getNanos() <= 999_999_999 && signsAgree;
  }

  /** A value quoted for an error message, cut short when long. */
  public static String quoted(String value) {
    if (value == null) {
      return "nothing";
    }
    // Escaped: the message reaches logs and terminals.
    return value.length() > 40
        ? "\"" + SafeText.escape(value.substring(0, 40)) + "...\" (" + value.length() + " characters)"
        : "\"" + SafeText.escape(value) + "\"";
  }
}
