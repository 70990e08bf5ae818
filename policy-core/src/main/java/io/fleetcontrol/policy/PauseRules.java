package io.fleetcontrol.policy;

import java.time.Duration;

/**
 * How employees may pause capture.
 *
 * @param maxPause longest single pause; never above {@link #HARD_CAP}
 * @param pausesPerDay pauses allowed per local day of the device; 0 means no limit
 */
public record PauseRules(Duration maxPause, int pausesPerDay) {

  public static final Duration DEFAULT_MAX_PAUSE = Duration.ofMinutes(30);
  /** No policy may let a single pause run longer than this. */
  public static final Duration HARD_CAP = Duration.ofHours(8);

  public static final PauseRules DEFAULT = new PauseRules(DEFAULT_MAX_PAUSE, 0);
}
