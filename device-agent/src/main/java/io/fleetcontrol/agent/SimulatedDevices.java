package io.fleetcontrol.agent;

import java.util.List;
import java.util.Map;

/**
 * The made-up laptops of the simulator: device n is always the same device, so runs compare.
 * Teams, sites and time zones cycle; the foreign ones are spread evenly through the fleet.
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
  static DeviceIdentity identity(int n, double foreignFraction, String foreignJurisdiction) {
    boolean foreign = isForeign(n, foreignFraction);
    return new DeviceIdentity(
        String.format("sim-%05d", n),
        String.format("user%05d@example.com", n),
        foreign ? foreignJurisdiction : "US",
        Map.of("team", TEAMS.get(n % TEAMS.size()), "site", SITES.get((n / TEAMS.size()) % SITES.size())),
        foreign
            ? FOREIGN_TIME_ZONES.getOrDefault(foreignJurisdiction, "UTC")
            : US_TIME_ZONES.get(n % US_TIME_ZONES.size()));
  }

  /** Device n is foreign when n * fraction crosses a whole number: exactly that share, evenly spread. */
  static boolean isForeign(int n, double fraction) {
    return Math.floor(n * fraction) > Math.floor((n - 1) * fraction);
  }
}
