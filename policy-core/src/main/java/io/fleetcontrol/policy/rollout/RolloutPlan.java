package io.fleetcontrol.policy.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The waves of a rollout as cumulative percentages of the selected devices (default 1, 10, 50,
 * 100), and which wave each device falls in. A device's wave comes from a hash of the rollout id and
 * its device id, not from a list: the same device is in the same wave before and after a controller
 * restart, and devices enrolled meanwhile take their place without moving anyone else.
 */
public record RolloutPlan(List<Double> cumulativePercents) {

  public static final RolloutPlan DEFAULT = new RolloutPlan(List.of(1.0, 10.0, 50.0, 100.0));
  public static final int MAX_WAVES = 20;
  /** Hash buckets per 100 %: waves can be set to a hundredth of a percent. */
  static final int BUCKETS = 10_000;

  public RolloutPlan {
    cumulativePercents = List.copyOf(cumulativePercents);
  }

  /** The plan asked for, or the default when none was: every problem named by its field. */
  public static List<String> problems(List<Double> percents) {
    List<String> problems = new ArrayList<>();
    if (percents.size() > MAX_WAVES) {
      problems.add("wave_percents: at most " + MAX_WAVES + " waves, got " + percents.size());
    }
    double before = 0;
    for (int i = 0; i < percents.size(); i++) {
      double p = percents.get(i);
      if (Double.isNaN(p) || p <= 0 || p > 100) {
        problems.add("wave_percents[" + i + "]: " + p + " is not within (0, 100]");
      } else if (p <= before) {
        problems.add("wave_percents[" + i + "]: " + p + " does not grow past the wave before (" + before + ")");
      }
      before = Math.max(before, p);
    }
    if (!percents.isEmpty() && percents.get(percents.size() - 1) != 100.0) {
      problems.add("wave_percents: the last wave must reach 100, got " + percents.get(percents.size() - 1));
    }
    return problems;
  }

  public int waveCount() {
    return cumulativePercents.size();
  }

  /** The wave (0-based) this device falls in for this rollout. */
  public int waveOf(String rolloutId, String deviceId) {
    int bucket = bucket(rolloutId, deviceId);
    for (int wave = 0; wave < cumulativePercents.size(); wave++) {
      if (bucket < Math.round(cumulativePercents.get(wave) * BUCKETS / 100.0)) {
        return wave;
      }
    }
    return cumulativePercents.size() - 1;
  }

  static int bucket(String rolloutId, String deviceId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((rolloutId + "\n" + deviceId).getBytes(StandardCharsets.UTF_8));
      int value = ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
      return Math.floorMod(value, BUCKETS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
