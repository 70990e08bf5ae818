package io.fleetcontrol.agent.simulator;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulatedDevicesTest {

  private final List<DeviceIdentity> fleet =
      IntStream.rangeClosed(1, 1000).mapToObj(n -> SimulatedDevices.identity(n, 0.02, "DE", "sim-test")).toList();

  @Test
  void namesDevicesAndOwnersByNumber() {
    DeviceIdentity first = fleet.get(0);
    assertEquals("sim-00001", first.deviceId());
    assertEquals("user00001@example.com", first.owner());
    assertEquals(1000, fleet.stream().map(DeviceIdentity::deviceId).distinct().count());
  }

  @Test
  void placesExactlyTheForeignShareAbroadSpreadThroughTheFleet() {
    List<Integer> foreign =
        IntStream.rangeClosed(1, 1000).filter(n -> fleet.get(n - 1).jurisdiction().equals("DE")).boxed().toList();
    assertEquals(20, foreign.size());
    assertTrue(foreign.get(0) <= 50 && foreign.get(19) > 950, "spread, not bunched: " + foreign);
    assertTrue(foreign.stream().allMatch(n -> fleet.get(n - 1).timeZone().equals("Europe/Berlin")));
  }

  @Test
  void spreadsTeamsSitesAndUsTimeZones() {
    assertEquals(Set.of("eng", "sales", "support", "finance", "ops"), values("team"));
    assertEquals(Set.of("nyc", "sfo", "chi", "remote"), values("site"));
    Set<String> usZones =
        fleet.stream().filter(d -> d.jurisdiction().equals("US")).map(DeviceIdentity::timeZone)
            .collect(Collectors.toSet());
    assertEquals(4, usZones.size());
    assertTrue(usZones.stream().allMatch(z -> z.startsWith("America/")));
  }

  @Test
  void noForeignDevicesAtFractionZero() {
    assertTrue(IntStream.rangeClosed(1, 1000).noneMatch(n -> SimulatedDevices.isForeign(n, 0)));
  }

  private Set<String> values(String label) {
    return fleet.stream().map(d -> d.labels().get(label)).collect(Collectors.toSet());
  }

  @Test
  void putsAboutTheMeteredShareOnMeteredNetworksTheSameDevicesEveryRun() {
    List<Integer> metered = devicesWith(n -> SimulatedDevices.isMetered(n, 0.1));
    assertTrue(metered.size() >= 75 && metered.size() <= 125, "about 100 of 1000: " + metered.size());
    assertEquals(metered, devicesWith(n -> SimulatedDevices.isMetered(n, 0.1)));
    assertTrue(devicesWith(n -> SimulatedDevices.isMetered(n, 0.01)).stream().allMatch(metered::contains),
        "a device metered at 1 % is metered at 10 % too");
    assertTrue(devicesWith(n -> SimulatedDevices.isMetered(n, 0)).isEmpty());
    assertEquals(1000, devicesWith(n -> SimulatedDevices.isMetered(n, 1)).size());
  }

  @Test
  void scattersTraitsAcrossTeamsAndIndependentlyOfEachOther() {
    List<Integer> metered = devicesWith(n -> SimulatedDevices.isMetered(n, 0.1));
    Set<String> teams = metered.stream().map(n -> fleet.get(n - 1).labels().get("team")).collect(Collectors.toSet());
    assertEquals(values("team"), teams, "metered devices in every team");
    List<Integer> flaky = devicesWith(n -> SimulatedDevices.isFlaky(n, 0.1));
    long both = flaky.stream().filter(metered::contains).count();
    assertTrue(both < 30, "flaky and metered draw apart, about 10 of 1000 are both: " + both);
  }

  private static List<Integer> devicesWith(IntPredicate trait) {
    return IntStream.rangeClosed(1, 1000).filter(trait).boxed().toList();
  }
}
