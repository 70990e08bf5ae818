package io.fleetcontrol.fleetctl;

import java.time.Duration;
import java.time.Instant;

/** "3s ago", "5m ago", "2h ago", "4d ago": how long since, in the largest whole unit. */
final class RelativeTime {
  private RelativeTime() {}

  static String ago(Instant then, Instant now) {
    // A clock a little ahead on the server would give a negative age; show it as just now.
    long seconds = Math.max(0, Duration.between(then, now).getSeconds());
    if (seconds < 60) {
      return seconds + "s ago";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m ago";
    }
    if (seconds < 86400) {
      return seconds / 3600 + "h ago";
    }
    return seconds / 86400 + "d ago";
  }
}
