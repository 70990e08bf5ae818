package io.fleetcontrol.device;

import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The timers that end a device's pause and its exemptions on time. Not journaled: they are set again
 * after every recovery, and what ended while the entity was down ends then.
 */
final class DeviceTimers {

  /** Timers wait at most a day; the handlers check the time and re-arm until it is really due. */
  static final Duration LONGEST = Duration.ofDays(1);

  private static final String PAUSE = "pause";

  private final TimerScheduler<DeviceCommand> timers;
  private final Clock clock;

  DeviceTimers(TimerScheduler<DeviceCommand> timers, Clock clock) {
    this.timers = timers;
    this.clock = clock;
  }

  /**
   * How long a timer for {@code at} waits: never negative, never past {@link #LONGEST}, since Pekko
   * refuses delays past about 248 days (an exemption approved for a year would fail the entity).
   */
  static Duration delay(Instant now, Instant at) {
    Duration delay = Duration.between(now, at);
    if (delay.isNegative()) {
      return Duration.ZERO;
    }
    return delay.compareTo(LONGEST) > 0 ? LONGEST : delay;
  }

  void rearm(DeviceState state) {
    if (state.pause().active()) {
      pauseEndsAt(state.pause().end());
    }
    for (ExemptionRecord e : state.exemptions().all()) {
      if (e.status() == ExemptionStatus.APPROVED && e.expireTime() != null) {
        exemptionEndsAt(e.exemptionId(), e.expireTime());
      }
    }
  }

  void pauseEndsAt(Instant end) {
    timers.startSingleTimer(PAUSE, new DeviceCommand.PauseTimerFired(), delay(clock.instant(), end));
  }

  void cancelPause() {
    timers.cancel(PAUSE);
  }

  void exemptionEndsAt(String exemptionId, Instant end) {
    timers.startSingleTimer(exemptionKey(exemptionId), new DeviceCommand.ExemptionTimerFired(exemptionId),
        delay(clock.instant(), end));
  }

  void cancelExemption(String exemptionId) {
    timers.cancel(exemptionKey(exemptionId));
  }

  private static String exemptionKey(String exemptionId) {
    return "exemption-" + exemptionId;
  }
}
