package io.fleetcontrol.controller.dashboard;

import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The fleet's connection counts over the last hours, for the dashboard's chart: one point per
 * {@code every}, taken from the summary this node already counts for /metrics. Kept in this node's
 * memory (a few hundred points): a node that just started shows the time since its start, and a
 * longer history is Prometheus' job ({@code fleet_devices}).
 */
public final class FleetHistory {

  public record Point(Instant at, long online, long stale, long offline) {}

  private final Duration every;
  private final Duration window;
  private final ArrayDeque<Point> points = new ArrayDeque<>();

  public FleetHistory(Duration every, Duration window) {
    this.every = every;
    this.window = window;
  }

  public synchronized void record(Instant at, GetFleetSummaryResponse summary) {
    Point last = points.peekLast();
    if (last != null && Duration.between(last.at(), at).compareTo(every) < 0) {
      return;
    }
    points.addLast(new Point(at, summary.getOnline(), summary.getStale(), summary.getOffline()));
    while (!points.isEmpty() && Duration.between(points.peekFirst().at(), at).compareTo(window) > 0) {
      points.removeFirst();
    }
  }

  public synchronized List<Point> points() {
    return List.copyOf(points);
  }
}
