package io.fleetcontrol.agent.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Misbehaviour the simulator gives every agent on one policy version, so a rollout can be shown a
 * bad version: it drains the battery faster, crashes the agent, or makes employees pause more.
 * Shared by all agents of one simulator and safe to flip from any thread while they run; each agent
 * looks at the switches on every heartbeat, so a change shows within one heartbeat interval.
 */
public final class FaultSwitches {

  /** A fraction of the agents on a version whose employees pause capture about once per mean interval. */
  public record PauseHabit(double fraction, Duration meanTimeBetweenPauses) {
    public PauseHabit {
      if (fraction < 0 || fraction > 1) {
        throw new IllegalArgumentException("pause fraction must be within 0..1, got " + fraction);
      }
      requirePositive(meanTimeBetweenPauses, "mean time between pauses");
    }
  }

  private final Map<Long, Double> drainFactors = new ConcurrentHashMap<>();
  private final Map<Long, Duration> crashIntervals = new ConcurrentHashMap<>();
  private final Map<Long, PauseHabit> pauseHabits = new ConcurrentHashMap<>();

  /** Agents with this policy version applied drain their battery {@code factor} times as fast. */
  public void drainFaster(long policyVersion, double factor) {
    if (!(factor > 0)) {
      throw new IllegalArgumentException("drain factor must be positive, got " + factor);
    }
    drainFactors.put(requireVersion(policyVersion), factor);
  }

  /** Agents with this policy version applied crash about once per {@code meanTimeBetweenCrashes} each. */
  public void crashOn(long policyVersion, Duration meanTimeBetweenCrashes) {
    requirePositive(meanTimeBetweenCrashes, "mean time between crashes");
    crashIntervals.put(requireVersion(policyVersion), meanTimeBetweenCrashes);
  }

  /**
   * The employees of {@code fraction} of the agents with this policy version applied (the same
   * devices every time) ask for a pause about once per {@code meanTimeBetweenPauses}.
   */
  public void pauseOften(long policyVersion, double fraction, Duration meanTimeBetweenPauses) {
    pauseHabits.put(requireVersion(policyVersion), new PauseHabit(fraction, meanTimeBetweenPauses));
  }

  /** Turns off every fault of this policy version. */
  public void clear(long policyVersion) {
    drainFactors.remove(policyVersion);
    crashIntervals.remove(policyVersion);
    pauseHabits.remove(policyVersion);
  }

  /** Turns off every fault. */
  public void clear() {
    drainFactors.clear();
    crashIntervals.clear();
    pauseHabits.clear();
  }

  /** 1 unless {@link #drainFaster} named this version. */
  public double drainFactor(long appliedPolicyVersion) {
    return drainFactors.getOrDefault(appliedPolicyVersion, 1.0);
  }

  public Optional<Duration> meanTimeBetweenCrashes(long appliedPolicyVersion) {
    return Optional.ofNullable(crashIntervals.get(appliedPolicyVersion));
  }

  public Optional<PauseHabit> pauseHabit(long appliedPolicyVersion) {
    return Optional.ofNullable(pauseHabits.get(appliedPolicyVersion));
  }

  /** Whether any version has a pause habit: lets the simulator skip looking at every agent. */
  boolean anyPauseHabit() {
    return !pauseHabits.isEmpty();
  }

  /** "v3 drains 3.0x as fast, v4 crashes about every 10m", or "none". */
  @Override
  public String toString() {
    List<String> faults = new ArrayList<>();
    new TreeMap<>(drainFactors).forEach((v, factor) -> faults.add("v" + v + " drains " + factor + "x as fast"));
    new TreeMap<>(crashIntervals).forEach((v, mean) -> faults.add("v" + v + " crashes about every " + words(mean)));
    new TreeMap<>(pauseHabits).forEach((v, habit) -> faults.add(String.format(
        "%.0f %% of v%d pause about every %s", habit.fraction() * 100, v, words(habit.meanTimeBetweenPauses()))));
    return faults.isEmpty() ? "none" : String.join(", ", faults);
  }

  private static String words(Duration duration) {
    return duration.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static long requireVersion(long policyVersion) {
    if (policyVersion < 0) {
      throw new IllegalArgumentException("policy version must not be negative, got " + policyVersion);
    }
    return policyVersion;
  }

  private static Duration requirePositive(Duration duration, String what) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + duration);
    }
    return duration;
  }
}
