package io.fleetcontrol.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sysfs layouts beyond the common ones in {@link HostTelemetryTest}: batteries without
 * {@code capacity}, USB-C power, and a full battery off the charger.
 */
class PowerSupplyTest {

  @TempDir Path sysfs;

  @Test
  void withoutCapacityThePercentComesFromChargeNowOverChargeFull() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "status", "Discharging", "charge_now", "1500000",
        "charge_full", "4000000"));
    assertEquals(new PowerSupply.Reading(true, 38, false), new PowerSupply(sysfs).read());
  }

  @Test
  void garbageCapacityFallsBackToEnergy() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "status", "Discharging", "capacity", "n/a",
        "energy_now", "30000000", "energy_full", "40000000"));
    assertEquals(new PowerSupply.Reading(true, 75, false), new PowerSupply(sysfs).read());
  }

  @Test
  void notChargingOnUsbPowerCountsAsCharging() throws IOException {
    // Charge thresholds stop charging at, say, 80 % while the laptop runs on USB-C power.
    supply("BAT0", Map.of("type", "Battery", "status", "Not charging", "capacity", "80"));
    supply("ucsi-source-psy-USBC000:001", Map.of("type", "USB", "online", "1"));
    assertEquals(new PowerSupply.Reading(true, 80, true), new PowerSupply(sysfs).read());
  }

  @Test
  void fullButUnpluggedIsNotCharging() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "status", "Full", "capacity", "100"));
    supply("AC", Map.of("type", "Mains", "online", "0"));
    assertEquals(new PowerSupply.Reading(true, 100, false), new PowerSupply(sysfs).read());
  }

  @Test
  void twoBatteriesWithoutEnergyFilesAreAveraged() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "status", "Discharging", "capacity", "40"));
    supply("BAT1", Map.of("type", "Battery", "status", "Charging", "capacity", "90"));
    assertEquals(new PowerSupply.Reading(true, 65, true), new PowerSupply(sysfs).read());
  }

  private void supply(String name, Map<String, String> files) throws IOException {
    Path dir = Files.createDirectories(sysfs.resolve(name));
    for (var file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue() + "\n");
    }
  }
}
