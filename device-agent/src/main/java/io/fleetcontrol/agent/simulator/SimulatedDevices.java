package io.fleetcontrol.agent.simulator;

import io.fleetcontrol.policy.DeviceIdentity;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The made-up laptops of the simulator: device n is always the same device, so runs compare.
 * Teams, sites and time zones cycle; the foreign ones are spread evenly through the fleet. Traits such
 * as a metered network are scattered instead, so they do not line up with teams or with each other.
 */
final class SimulatedDevices {

  private static final List<String> TEAMS = List.of("eng", "sales", "support", "finance", "ops");
  private static final List<String> SITES = List.of("nyc", "sfo", "chi", "remote");
  private static final List<String> US_TIME_ZONES =
      List.of("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles");
  private static final Map<String, String> FOREIGN_TIME_ZONES =
      Map.of("DE", "Europe/Berlin", "FR", "Europe/Paris", "GB", "Europe/London", "IN", "Asia/Kolkata");

  private SimulatedDevices() {}

  /** Identity of device number {@code n}, counting from 1. */
  static DeviceIdentity identity(int n, double foreignFraction, String foreignJurisdiction, String agentVersion) {
    boolean foreign = isForeign(n, foreignFraction);
    return new DeviceIdentity(
        String.format("sim-%05d", n),
        String.format("user%05d@example.com", n),
        foreign ? foreignJurisdiction : "US",
        Map.of("team", TEAMS.get(n % TEAMS.size()), "site", SITES.get((n / TEAMS.size()) % SITES.size())),
        agentVersion,
        foreign
            ? FOREIGN_TIME_ZONES.getOrDefault(foreignJurisdiction, "UTC")
            : US_TIME_ZONES.get(n % US_TIME_ZONES.size()));
  }

  /** Device n is foreign when n * fraction crosses a whole number: exactly that share, evenly spread. */
  static boolean isForeign(int n, double fraction) {
    return Math.floor(n * fraction) > Math.floor((n - 1) * fraction);
  }

  /** Whether device n sits on a metered network (a phone hotspot, say); the same devices every run. */
  static boolean isMetered(int n, double fraction) {
    return hasTrait(n, "metered", fraction);
  }

  /** Whether device n has a network that drops now and then; the same devices every run. */
  static boolean isFlaky(int n, double fraction) {
    return hasTrait(n, "flaky", fraction);
  }

  /**
   * Device n's own draw for this trait, below the fraction or not. Each device keeps its draw, so a
   * device with a trait at 1 % still has it at 10 %; each trait draws apart, so traits are independent.
   */
  static boolean hasTrait(int n, String trait, double fraction) {
    return new SplittableRandom(n * 0x9E3779B97F4A7C15L ^ trait.hashCode()).nextDouble() < fraction;
  }
}
