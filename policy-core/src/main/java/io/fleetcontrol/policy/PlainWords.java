package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Numbers, durations and times the way an employee reads them in a reason. */
final class PlainWords {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT);
  private static final String[] BYTE_UNITS = {"kB", "MB", "GB", "TB", "PB"};

  private PlainWords() {}

  /** "30 minutes", "1 hour 30 minutes", "2 days". */
  static String duration(Duration d) {
    if (d.isNegative()) {
      // The most negative duration has no positive twin; a second off does not matter at that size.
      return "-" + duration((d.getSeconds() == Long.MIN_VALUE ? d.plusSeconds(1) : d).negated());
    }
    List<String> parts = new ArrayList<>(4);
    part(parts, d.toDaysPart(), "day");
    part(parts, d.toHoursPart(), "hour");
    part(parts, d.toMinutesPart(), "minute");
    part(parts, d.toSecondsPart(), "second");
    part(parts, d.toMillisPart(), "millisecond");
    return parts.isEmpty() ? "0 seconds" : String.join(" ", parts);
  }

  private static void part(List<String> parts, long n, String unit) {
    if (n != 0) {
      parts.add(n + " " + unit + (n == 1 ? "" : "s"));
    }
  }

  /** Decimal units, as network and storage vendors count: "500 MB", "1.5 GB", "999 bytes". */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " bytes";
    }
    double value = n;
    int unit = -1;
    while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    String number = String.format(Locale.ROOT, "%.1f", value);
    return (number.endsWith(".0") ? number.substring(0, number.length() - 2) : number) + " " + BYTE_UNITS[unit];
  }

  static String kind(CaptureKind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** "14:32" when {@code at} falls on the local day of {@code now}, else "Tue 01:15". */
  static String deviceClock(Instant at, Instant now, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    String clock = CLOCK.format(local);
    if (local.toLocalDate().equals(LocalDate.ofInstant(now, zone))) {
      return clock;
    }
    return local.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH) + " " + clock;
  }

  /** "2026-11-24 09:00". */
  static String deviceDateTime(Instant at, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    return local.toLocalDate() + " " + CLOCK.format(local);
  }
}
