package io.fleetcontrol.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How far the read side trails the fleet, from two counts of the same devices sampled over time:
 * the fleet's own (connected agents, agents on a new policy: the simulator's status line) and the one
 * the read side shows (the summary's online count, GetRollout's acks). The k-th device's lag is when
 * the read side first showed k minus when the fleet first had k; the quantiles are over k = 1..target.
 * Each is exact to the two sampling intervals (1 s in ScaleBenchmark). The under-count is the
 * largest gap between the two counts at the times the read side was asked, as a share of the target.
 */
final class CountLag {

  /** Seconds; {@code unseen}: devices the fleet had that the read side never showed (their lag is not in the quantiles). */
  record Summary(double p50Seconds, double p99Seconds, double maxSeconds, double maxUnderCountShare, int unseen) {
    String json(String prefix) {
      return String.format(java.util.Locale.ROOT,
          "\"%s_lag_p50_s\":%s,\"%s_lag_p99_s\":%s,\"%s_lag_max_s\":%s,\"%s_max_undercount_pct\":%s,\"%s_unseen\":%d",
          prefix, number(p50Seconds, 1), prefix, number(p99Seconds, 1), prefix, number(maxSeconds, 1), prefix,
          number(maxUnderCountShare * 100, 2), prefix, unseen);
    }
  }

  /** A JSON number with this many decimals, or null where there is none (NaN, infinite). */
  static String number(double value, int decimals) {
    return Double.isFinite(value) ? String.format(java.util.Locale.ROOT, "%." + decimals + "f", value) : "null";
  }

  private record Sample(long nanos, long count) {}

  private final List<Sample> fleet = new ArrayList<>();
  private final List<Sample> shown = new ArrayList<>();

  synchronized void fleet(long nanos, long count) {
    fleet.add(new Sample(nanos, count));
  }

  synchronized void shown(long nanos, long count) {
    shown.add(new Sample(nanos, count));
  }

  synchronized Summary summary(int target) {
    long[] fleetFirst = firstReached(fleet, target);
    long[] shownFirst = firstReached(shown, target);
    double[] lags = new double[target];
    int measured = 0;
    int unseen = 0;
    for (int k = 0; k < target; k++) {
      if (fleetFirst[k] == Long.MAX_VALUE) {
        continue;
      }
      if (shownFirst[k] == Long.MAX_VALUE) {
        unseen++;
        continue;
      }
      lags[measured++] = Math.max(0, shownFirst[k] - fleetFirst[k]) / 1e9;
    }
    double[] sorted = Arrays.copyOf(lags, measured);
    Arrays.sort(sorted);
    return new Summary(quantile(sorted, 0.50), quantile(sorted, 0.99), measured == 0 ? Double.NaN : sorted[measured - 1],
        maxUnderCount() / (double) target, unseen);
  }

  /** When each count 1..target was first reached (nanos), or Long.MAX_VALUE for never. */
  private static long[] firstReached(List<Sample> samples, int target) {
    long[] first = new long[target];
    Arrays.fill(first, Long.MAX_VALUE);
    int reached = 0;
    for (Sample sample : samples) {
      while (reached < Math.min(target, sample.count())) {
        first[reached++] = sample.nanos();
      }
    }
    return first;
  }

  /** The fleet's latest count at or before each time the read side was asked, minus what it showed. */
  private long maxUnderCount() {
    long worst = 0;
    for (Sample asked : shown) {
      long fleetThen = 0;
      for (Sample f : fleet) {
        if (f.nanos() > asked.nanos()) {
          break;
        }
        fleetThen = f.count();
      }
      worst = Math.max(worst, fleetThen - asked.count());
    }
    return worst;
  }

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }
}
