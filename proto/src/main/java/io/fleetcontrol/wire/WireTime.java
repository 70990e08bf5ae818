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
