package io.fleetcontrol.agent.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Connects per second after some moment (a controller restart, say), and the bar chart of them. */
public final class ReconnectHistogram {

  private static final int WIDEST_BAR = 50;

  private ReconnectHistogram() {}

  /** Instants at or after {@code since}, counted per whole second since then; seconds with none are left out. */
  public static SortedMap<Long, Integer> perSecond(Instant since, Iterable<Instant> instants) {
    SortedMap<Long, Integer> counts = new TreeMap<>();
    for (Instant at : instants) {
      if (!at.isBefore(since)) {
        counts.merge(Duration.between(since, at).toSeconds(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** One line per second, "+12s  347 ####", the longest bar for the busiest second; "" for none. */
  public static String format(SortedMap<Long, Integer> perSecond) {
    int peak = perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    int secondsWidth = perSecond.isEmpty() ? 0 : ("+" + perSecond.lastKey() + "s").length();
    int countWidth = String.valueOf(peak).length();
    return perSecond.entrySet().stream()
        .map(e -> String.format("%-" + secondsWidth + "s  %" + countWidth + "d %s",
            "+" + e.getKey() + "s", e.getValue(), bar(e.getValue(), peak)))
        .collect(Collectors.joining("\n"));
  }

  // Rounded up, so a second with a single connect still shows.
  private static String bar(int count, int peak) {
    return "#".repeat((int) Math.ceil((double) WIDEST_BAR * count / peak));
  }
}
