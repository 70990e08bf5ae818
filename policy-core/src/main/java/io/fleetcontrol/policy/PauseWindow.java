package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;

/**
 * When a pause runs. A pause made offline starts when the employee asked, but never in the future
 * and never so far back that it would already be over: then it runs its full length from now.
 */
public record PauseWindow(Instant start, Instant end) {

  /** The start a pause asked for at {@code requestTime} (null: now) is counted from, before any clamp. */
  public static Instant askedStart(Instant requestTime, Instant now) {
    return requestTime == null || requestTime.isAfter(now) ? now : requestTime;
  }

  /** The window of a pause of {@code duration} asked for at {@code requestTime} (null: now), seen at {@code now}. */
  public static PauseWindow of(Instant requestTime, Duration duration, Instant now) {
    Instant start = askedStart(requestTime, now);
    Instant end = start.plus(duration);
    return end.isAfter(now) ? new PauseWindow(start, end) : new PauseWindow(now, now.plus(duration));
  }
}
