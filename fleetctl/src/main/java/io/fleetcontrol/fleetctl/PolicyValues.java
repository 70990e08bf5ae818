package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.MeteredNetworkAction;
import io.fleetcontrol.wire.WireTime;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scalar values of a policy file. Each reads itself from what a person types (Jackson calls the
 * {@code @JsonCreator} and adds the key and line to a {@link BadValue}) and writes itself back the
 * same way ({@code @JsonValue}), so a printed policy reads back to the same proto.
 */
final class PolicyValues {

  private PolicyValues() {}

  /** A value that cannot be read; the message says what was expected, Jackson says where. */
  static final class BadValue extends IllegalArgumentException {
    BadValue(String message) {
      super(message);
    }
  }

  /** A duration: "30s", "5m", "24h", "7d", "1h30m", "500ms" or ISO-8601 "PT30S". */
  record Span(Duration value) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Span parse(Object raw) {
      if (raw instanceof Number n) {
        throw new BadValue("'" + n + "' needs a unit, e.g. " + n + "s, " + n + "m or " + n + "h");
      }
      try {
        return new Span(Durations.parse(String.valueOf(raw)));
      } catch (IllegalArgumentException e) {
        throw new BadValue(e.getMessage());
      }
    }

    static Span of(com.google.protobuf.Duration d) {
      return new Span(WireTime.fromProto(d));
    }

    com.google.protobuf.Duration toProto() {
      return WireTime.toProto(value);
    }

    @JsonValue
    @Override
    public String toString() {
      return Durations.format(value);
    }
  }

  /** A byte count: "500MB" and "5GB" in powers of 1000, "2MiB" in powers of 1024, or plain bytes "1024". */
  record ByteSize(long bytes) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ByteSize parse(Object raw) {
      return new ByteSize(Bytes.parse(raw, "", "a size such as 500MB, 5GB, 2MiB or 1024 (bytes)"));
    }

    @JsonValue
    Object text() {
      return Bytes.format(bytes, "");
    }
  }

  /** Bytes per second: "2MB/s" (the "/s" may be left out), "512KiB/s", or plain bytes per second. */
  record ByteRate(long bytesPerSecond) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ByteRate parse(Object raw) {
      return new ByteRate(Bytes.parse(raw, "/s", "a rate such as 2MB/s, 512KiB/s or 100000 (bytes a second)"));
    }

    @JsonValue
    Object text() {
      return Bytes.format(bytesPerSecond, "/s");
    }
  }

  /** Sizes with decimal (KB, MB, GB, TB) and binary (KiB, MiB, GiB, TiB) units, any case. */
  static final class Bytes {
    private static final Pattern SIZE = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);
    /** Largest first, so format() finds the shortest way to write a number. */
    private static final List<String> UNITS = List.of("TiB", "TB", "GiB", "GB", "MiB", "MB", "KiB", "KB");

    private Bytes() {}

    static long factor(String unit) {
      return switch (unit.toUpperCase(Locale.ROOT)) {
        case "KB" -> 1_000L;
        case "MB" -> 1_000_000L;
        case "GB" -> 1_000_000_000L;
        case "TB" -> 1_000_000_000_000L;
        case "KIB" -> 1L << 10;
        case "MIB" -> 1L << 20;
        case "GIB" -> 1L << 30;
        case "TIB" -> 1L << 40;
        default -> 1L;
      };
    }

    static long parse(Object raw, String suffix, String expected) {
      if (raw instanceof Integer || raw instanceof Long) {
        return ((Number) raw).longValue();
      }
      if (raw instanceof BigInteger) {
        throw new BadValue("'" + raw + "' is too large");
      }
      String text = String.valueOf(raw).strip();
      if (!suffix.isEmpty() && text.endsWith(suffix)) {
        text = text.substring(0, text.length() - suffix.length()).strip();
      }
      Matcher m = SIZE.matcher(text);
      if (!m.matches()) {
        throw new BadValue("'" + raw + "' is not " + expected);
      }
      BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(factor(m.group(2) == null ? "B" : m.group(2))));
      try {
        return bytes.longValueExact();
      } catch (ArithmeticException e) {
        throw new BadValue("'" + raw + "' is " + (bytes.stripTrailingZeros().scale() > 0 ? "not a whole number of bytes" : "too large"));
      }
    }

    /** "5GB", "2MiB/s" when a unit divides the count exactly, else the plain number. */
    static Object format(long bytes, String suffix) {
      if (bytes == 0 || bytes == Long.MIN_VALUE) {
        return bytes;
      }
      long magnitude = Math.abs(bytes);
      String best = null;
      long bestCount = magnitude;
      for (String unit : UNITS) {
        long factor = factor(unit);
        if (magnitude % factor == 0 && magnitude / factor < bestCount) {
          best = unit;
          bestCount = magnitude / factor;
        }
      }
      if (best == null) {
        return bytes;
      }
      return (bytes < 0 ? "-" : "") + bestCount + best + suffix;
    }
  }

  /** A capture kind by its lower-case name, as in the proto without the CAPTURE_KIND_ prefix. */
  enum Kind {
    POINTER, CLICKS, KEYSTROKES, MENU_SELECTIONS, CLIPBOARD, SCREENSHOTS;

    static final String NAMES = "pointer, clicks, keystrokes, menu_selections, clipboard, screenshots";

    @JsonCreator
    static Kind parse(String word) {
      return word(Kind.class, word, "a capture kind (" + NAMES + ")");
    }

    /** By wire number, as a server with a newer API may send one this fleetctl does not know. */
    static Kind of(int number) {
      return fromProto(Kind.class, CaptureKind.forNumber(number), "CAPTURE_KIND_", number, "capture kind");
    }

    CaptureKind toProto() {
      return CaptureKind.valueOf("CAPTURE_KIND_" + name());
    }

    @JsonValue
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A working day; mon = 1 .. sun = 7 on the wire. */
  enum Day {
    MON, TUE, WED, THU, FRI, SAT, SUN;

    @JsonCreator
    static Day parse(String word) {
      String w = word.strip().toLowerCase(Locale.ROOT);
      // "monday" as well as "mon".
      for (Day day : values()) {
        String full = java.time.DayOfWeek.of(day.number()).name().toLowerCase(Locale.ROOT);
        if (w.equals(day.toString()) || w.equals(full)) {
          return day;
        }
      }
      throw new BadValue("'" + word + "' is not a day (mon, tue, wed, thu, fri, sat, sun)");
    }

    static Day of(int number) {
      if (number < 1 || number > 7) {
        throw new IllegalStateException("the server sent day " + number + "; days are 1 (Monday) to 7 (Sunday)");
      }
      return values()[number - 1];
    }

    int number() {
      return ordinal() + 1;
    }

    @JsonValue
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What uploads do on a metered network. */
  enum Metered {
    DEFER, BLOCK, ALLOW;

    @JsonCreator
    static Metered parse(String word) {
      return word(Metered.class, word, "defer, block or allow");
    }

    /** Null for UNSPECIFIED: the file leaves the key out. */
    static Metered of(int number) {
      if (number == MeteredNetworkAction.METERED_NETWORK_ACTION_UNSPECIFIED_VALUE) {
        return null;
      }
      return fromProto(Metered.class, MeteredNetworkAction.forNumber(number), "METERED_NETWORK_ACTION_", number,
          "metered network action");
    }

    MeteredNetworkAction toProto() {
      return MeteredNetworkAction.valueOf("METERED_NETWORK_ACTION_" + name());
    }

    @JsonValue
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A local time of day "HH:MM" (24-hour clock); "8:00" is read as "08:00". Seconds ("08:00:30") are
   * read too, since the server would keep them and print them back.
   */
  record ClockTime(String text) {
    private static final Pattern HH_MM = Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2}))?");

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ClockTime parse(Object raw) {
      Matcher m = HH_MM.matcher(String.valueOf(raw).strip());
      if (m.matches()) {
        int hour = Integer.parseInt(m.group(1));
        int minute = Integer.parseInt(m.group(2));
        int second = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        if (hour < 24 && minute < 60 && second < 60) {
          return new ClockTime(LocalTime.of(hour, minute, second).toString());
        }
      }
      throw new BadValue("'" + raw + "' is not a time of day HH:MM such as \"08:00\" or \"18:30\"");
    }

    @JsonValue
    @Override
    public String toString() {
      return text;
    }
  }

  /** Accepts "menu_selections", "menu-selections" or "MENU_SELECTIONS". */
  private static <E extends Enum<E>> E word(Class<E> type, String word, String expected) {
    String name = word.strip().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E value : type.getEnumConstants()) {
      if (value.name().equals(name)) {
        return value;
      }
    }
    throw new BadValue("'" + word + "' is not " + expected);
  }

  /** A proto enum value by name; a number this fleetctl does not know is the server's newer API. */
  private static <E extends Enum<E>> E fromProto(Class<E> type, Enum<?> proto, String prefix, int number, String what) {
    String name = proto != null && proto.name().startsWith(prefix) ? proto.name().substring(prefix.length()) : "";
    return Arrays.stream(type.getEnumConstants())
        .filter(value -> value.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "the server sent " + what + " " + number + ", which this fleetctl does not know; a newer fleetctl may"));
  }
}
