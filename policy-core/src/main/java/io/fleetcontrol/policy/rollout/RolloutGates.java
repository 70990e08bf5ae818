package io.fleetcontrol.policy.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a wave may be followed by the next: enough of it acked within the deadline, and over the
 * soak time its health did not regress against the selected devices not yet on the new version.
 * A ratio is the wave's mean over the rest's mean; 0 turns that comparison off.
 */
public record RolloutGates(
    double minAckFraction,
    Duration ackDeadline,
    Duration soak,
    double maxBatteryDrainRatio,
    double maxUploadRatio,
    double maxErrorRatio,
    double maxPauseRateRatio,
    boolean autoRollback) {

  /** Sensible defaults: 95 % acked within 10 minutes, a 15-minute soak, 1.5x drain, 2x the rest. */
  public static final RolloutGates DEFAULTS = new RolloutGates(
      0.95, Duration.ofMinutes(10), Duration.ofMinutes(15), 1.5, 2.0, 2.0, 2.0, false);

  /** No health comparison and no soak: a wave is done once it acked. For benchmarks and emergencies. */
  public static final RolloutGates ACK_ONLY = new RolloutGates(
      0.95, Duration.ofMinutes(10), Duration.ZERO, 0, 0, 0, 0, false);

  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (Double.isNaN(minAckFraction) || minAckFraction <= 0 || minAckFraction > 1) {
      problems.add("gates.min_ack_fraction: " + minAckFraction + " is not within (0, 1]");
    }
    if (ackDeadline.isNegative() || ackDeadline.isZero() || ackDeadline.compareTo(Duration.ofDays(7)) > 0) {
      problems.add("gates.ack_deadline_seconds: " + ackDeadline.toSeconds() + " is not within 1 s .. 7 days");
    }
    if (soak.isNegative() || soak.compareTo(Duration.ofDays(7)) > 0) {
      problems.add("gates.soak_seconds: " + soak.toSeconds() + " is not within 0 .. 7 days");
    }
    ratio(problems, "gates.max_battery_drain_ratio", maxBatteryDrainRatio);
    ratio(problems, "gates.max_upload_ratio", maxUploadRatio);
    ratio(problems, "gates.max_error_ratio", maxErrorRatio);
    ratio(problems, "gates.max_pause_rate_ratio", maxPauseRateRatio);
    return problems;
  }

  private static void ratio(List<String> problems, String field, double value) {
    if (Double.isNaN(value) || value < 0 || (value > 0 && value < 1) || value > 1000) {
      problems.add(field + ": " + value + " must be 0 (off) or a ratio from 1 to 1000");
    }
  }
}
