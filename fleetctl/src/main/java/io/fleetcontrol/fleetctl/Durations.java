package io.fleetcontrol.fleetctl;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them, in one place for {@code --timeout}, {@code --until} and policy
 * files: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 7d}, combined as {@code 1h30m},
 * or ISO-8601 ({@code PT30S}, {@code P7D}). Sign and size are the caller's to judge.
 */
final class Durations {
  private static final Pattern SHORT = Pattern.compile("(-)?((?:\\d+(?:ms|s|m|h|d))+)");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /** The duration, or empty-handed with IllegalArgumentException saying what was expected. */
  static Duration parse(String text) {
    String value = text.strip();
    Matcher m = SHORT.matcher(value);
    try {
      if (m.matches()) {
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(m.group(2));
        while (part.find()) {
          long n = Long.parseLong(part.group(1));
          total = total.plus(switch (part.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          });
        }
        return m.group(1) == null ? total : total.negated();
      }
      return Duration.parse(value);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 30s, 5m, 24h, 7d or PT30S");
    }
  }

  /**
   * The shortest exact way to write it: "30s", "30m", "24h", "7d", "500ms", "1h30m". Days only from
   * two on, so a day-long limit reads "24h" as ops write it.
   */
  static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    if (d.isZero()) {
      return "0s";
    }
    if (d.getNano() % 1_000_000 != 0) {
      return d.toString();
    }
    long seconds = d.getSeconds();
    if (d.getNano() != 0) {
      return seconds == 0 ? d.getNano() / 1_000_000 + "ms" : d.toString();
    }
    if (seconds % 86_400 == 0 && seconds >= 2 * 86_400) {
      return seconds / 86_400 + "d";
    }
    StringBuilder out = new StringBuilder();
    long hours = seconds / 3600;
    long minutes = seconds % 3600 / 60;
    long rest = seconds % 60;
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes).append('m');
    }
    if (rest > 0) {
      out.append(rest).append('s');
    }
    return out.toString();
  }
}
