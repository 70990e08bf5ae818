package io.fleetcontrol.policy.rollout;

import io.fleetcontrol.policy.HealthRollup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The health gate of one wave: the wave's devices against the selected devices not yet on the new
 * version, metric by metric, each as a ratio of means. Too few devices with numbers on either side
 * is "not yet known", never a pass by default.
 */
public final class WaveHealth {

  /** One device's numbers as the gate reads them. */
  public record DeviceHealth(HealthRollup.Summary lastHour, int pausesTakenToday) {}

  public enum Outcome { PASSED, FAILED, NOT_ENOUGH_DATA }

  /** {@code reasons}: every metric that failed, in plain words; for NOT_ENOUGH_DATA, what is missing. */
  public record Verdict(Outcome outcome, List<String> reasons) {
    public Verdict {
      reasons = List.copyOf(reasons);
    }

    public boolean passed() {
      return outcome == Outcome.PASSED;
    }
  }

  /** Fewer devices with a drain rate than this on either side say nothing about drain. */
  static final int MIN_DEVICES = 3;
  /** Below these the rest's mean is treated as this floor, so 0.1 against 0 is not an infinite ratio. */
  static final double DRAIN_FLOOR = 1.0;
  static final double UPLOAD_FLOOR = 1_000_000;
  static final double ERRORS_FLOOR = 1.0;
  static final double PAUSES_FLOOR = 0.5;

  private WaveHealth() {}

  public static Verdict compare(List<DeviceHealth> wave, List<DeviceHealth> rest, RolloutGates gates) {
    List<String> failed = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    if (gates.maxBatteryDrainRatio() > 0) {
      List<Double> waveDrain = drains(wave);
      List<Double> restDrain = drains(rest);
      if (waveDrain.size() < MIN_DEVICES || restDrain.size() < MIN_DEVICES) {
        missing.add("battery drain: " + waveDrain.size() + " devices of the wave and " + restDrain.size()
            + " of the rest were seen on battery (need " + MIN_DEVICES + " each)");
      } else {
        check(failed, "battery drain", "%/h", mean(waveDrain), mean(restDrain), DRAIN_FLOOR, gates.maxBatteryDrainRatio());
      }
    }
    if (wave.isEmpty() || rest.isEmpty()) {
      if (gates.maxUploadRatio() > 0 || gates.maxErrorRatio() > 0 || gates.maxPauseRateRatio() > 0) {
        missing.add("no devices to compare (" + wave.size() + " in the wave, " + rest.size() + " in the rest)");
      }
    } else {
      if (gates.maxUploadRatio() > 0) {
        check(failed, "uploads", " bytes/h", mean(wave, d -> d.lastHour().uploadedBytesPerHour()),
            mean(rest, d -> d.lastHour().uploadedBytesPerHour()), UPLOAD_FLOOR, gates.maxUploadRatio());
      }
      if (gates.maxErrorRatio() > 0) {
        check(failed, "agent errors", "/h per device", mean(wave, d -> d.lastHour().agentErrors()),
            mean(rest, d -> d.lastHour().agentErrors()), ERRORS_FLOOR, gates.maxErrorRatio());
      }
      if (gates.maxPauseRateRatio() > 0) {
        check(failed, "pauses", " per device today", mean(wave, DeviceHealth::pausesTakenToday),
            mean(rest, DeviceHealth::pausesTakenToday), PAUSES_FLOOR, gates.maxPauseRateRatio());
      }
    }
    if (!failed.isEmpty()) {
      return new Verdict(Outcome.FAILED, failed);
    }
    return missing.isEmpty() ? new Verdict(Outcome.PASSED, List.of()) : new Verdict(Outcome.NOT_ENOUGH_DATA, missing);
  }

  private static void check(
      List<String> failed, String metric, String unit, double wave, double rest, double floor, double allowed) {
    double ratio = wave / Math.max(rest, floor);
    if (ratio > allowed) {
      failed.add(String.format(Locale.ROOT, "%s %.1f%s on the wave against %.1f%s on the rest: %.1fx, allowed %.1fx",
          metric, wave, unit, rest, unit, ratio, allowed));
    }
  }

  private static List<Double> drains(List<DeviceHealth> devices) {
    return devices.stream()
        .filter(d -> d.lastHour().hasDrainRate())
        .map(d -> d.lastHour().batteryDrainPercentPerHour())
        .toList();
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  private static double mean(List<DeviceHealth> devices, java.util.function.ToDoubleFunction<DeviceHealth> metric) {
    return devices.stream().mapToDouble(metric).average().orElse(0);
  }
}
