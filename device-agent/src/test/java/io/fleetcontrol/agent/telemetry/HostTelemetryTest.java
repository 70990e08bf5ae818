package io.fleetcontrol.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Battery from a sysfs tree, the agent's own numbers, uploads and the metered setting. */
class HostTelemetryTest {

  @TempDir Path sysfs;

  @Test
  void oneBatteryDischarging() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "capacity", "57", "status", "Discharging"));
    supply("AC", Map.of("type", "Mains", "online", "0"));
    assertEquals(new PowerSupply.Reading(true, 57, false), new PowerSupply(sysfs).read());
  }

  @Test
  void chargingOrFullOnMainsCountsAsCharging() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "capacity", "80", "status", "Charging"));
    assertTrue(new PowerSupply(sysfs).read().charging());

    supply("BAT0", Map.of("type", "Battery", "capacity", "100", "status", "Full"));
    supply("AC", Map.of("type", "Mains", "online", "1"));
    assertEquals(new PowerSupply.Reading(true, 100, true), new PowerSupply(sysfs).read());
  }

  @Test
  void twoBatteriesAreWeighedByEnergyAndPeripheralsIgnored() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "status", "Discharging", "energy_now", "10000000",
        "energy_full", "20000000", "capacity", "50"));
    supply("BAT1", Map.of("type", "Battery", "status", "Discharging", "energy_now", "60000000",
        "energy_full", "80000000", "capacity", "75"));
    supply("hidpp_battery_0", Map.of("type", "Battery", "scope", "Device", "capacity", "5",
        "status", "Discharging"));
    assertEquals(new PowerSupply.Reading(true, 70, false), new PowerSupply(sysfs).read());
  }

  @Test
  void noDirectoryNoBatteryOrGarbageIsUnknownNotAGuess() throws IOException {
    assertFalse(new PowerSupply(sysfs.resolve("missing")).read().known(), "macOS, Windows");
    supply("AC", Map.of("type", "Mains", "online", "1"));
    assertFalse(new PowerSupply(sysfs).read().known(), "a desktop");
    supply("BAT0", Map.of("type", "Battery", "capacity", "lots", "status", "Discharging"));
    assertFalse(new PowerSupply(sysfs).read().known(), "unreadable capacity");
  }

  @Test
  void processNumbers() throws IOException {
    assertEquals(141_216L * 1024, ProcessStats.residentBytes("VmRSS:\t  141216 kB"));
    Path status = Files.writeString(sysfs.resolve("status"), "Name:\tjava\nVmRSS:\t 2048 kB\nThreads:\t26\n");
    AtomicLong cpu = new AtomicLong();
    AtomicLong wall = new AtomicLong();
    ProcessStats stats = new ProcessStats(cpu::get, wall::get, status);
    cpu.set(50_000_000);
    wall.set(1_000_000_000);
    assertEquals(5.0, stats.cpuPercentSinceLast(), 1e-9);
    assertEquals(0.0, stats.cpuPercentSinceLast(), 1e-9, "no time passed");
    assertEquals(2048L * 1024, stats.residentBytes());
    assertEquals(0, new ProcessStats(cpu::get, wall::get, sysfs.resolve("none")).residentBytes());
  }

  @Test
  void aSampleCarriesBatteryMeteredAndTheUploadsSinceTheLastOne() throws IOException {
    supply("BAT0", Map.of("type", "Battery", "capacity", "33", "status", "Discharging"));
    UploadMeter uploads = new UploadMeter();
    AtomicLong cpu = new AtomicLong();
    HostTelemetry telemetry = new HostTelemetry(new PowerSupply(sysfs),
        new ProcessStats(cpu::get, System::nanoTime, sysfs.resolve("none")), uploads, () -> true);
    uploads.record(1000);
    uploads.record(500);
    TelemetrySample first = telemetry.read(Instant.now(), 1);
    assertEquals(33, first.batteryPercent());
    assertTrue(first.meteredNetwork());
    assertEquals(1500, first.uploadedBytesDelta());
    assertEquals(0, telemetry.read(Instant.now(), 1).uploadedBytesDelta(), "each byte is reported once");
  }

  @Test
  void meteredFromConfigAndFromNetworkManagerOutput() {
    var config = ConfigFactory.parseString("telemetry { power-supply-dir = \"/nope\", metered-network = true }");
    assertTrue(HostTelemetry.fromConfig(config, new UploadMeter()).read(Instant.now(), 0).meteredNetwork());
    var bad = ConfigFactory.parseString("telemetry { power-supply-dir = \"/nope\", metered-network = sometimes }");
    var refused = assertThrows(IllegalArgumentException.class, () -> HostTelemetry.fromConfig(bad, new UploadMeter()));
    assertTrue(refused.getMessage().contains("metered-network"), refused.getMessage());

    assertTrue(MeteredNetwork.isMetered("no\nyes (guessed)\n"));
    assertFalse(MeteredNetwork.isMetered("no\nunknown\nno (guessed)\n"));
  }

  private void supply(String name, Map<String, String> files) throws IOException {
    Path dir = Files.createDirectories(sysfs.resolve(name));
    for (var file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue() + "\n");
    }
  }
}
