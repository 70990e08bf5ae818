package io.fleetcontrol.fleetctl;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The summary's count maps in a stable order, so output does not change between runs. */
final class Counts {
  /** Numbers in numeric order (2 before 10), then everything else alphabetically. */
  static final Comparator<String> KEY_ORDER = Counts::compareKeys;

  private Counts() {}

  /** Renames keys (e.g. drops an enum prefix), adding up counts whose new names collide. */
  static Map<String, Long> sorted(Map<String, Long> counts, UnaryOperator<String> rename) {
    Map<String, Long> sorted = new TreeMap<>(KEY_ORDER);
    counts.forEach((key, count) -> sorted.merge(rename.apply(key), count, Long::sum));
    return new LinkedHashMap<>(sorted);
  }

  static Map<String, Long> sorted(Map<String, Long> counts) {
    return sorted(counts, UnaryOperator.identity());
  }

  private static int compareKeys(String a, String b) {
    Long na = asNumber(a);
    Long nb = asNumber(b);
    if (na != null && nb != null) {
      return na.compareTo(nb);
    }
    if (na != null || nb != null) {
      return na != null ? -1 : 1;
    }
    return a.compareTo(b);
  }

  private static Long asNumber(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
