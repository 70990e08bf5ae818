package io.fleetcontrol.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edge cases beyond the VmRSS parse and the plain CPU share in {@link HostTelemetryTest}. */
class ProcessStatsTest {

  @TempDir Path dir;

  private final AtomicLong cpu = new AtomicLong();
  private final AtomicLong wall = new AtomicLong();

  @Test
  void busyOnSeveralCoresGoesPastOneHundred() {
    ProcessStats stats = new ProcessStats(cpu::get, wall::get, dir.resolve("none"));
    cpu.set(3_000_000_000L);
    wall.set(2_000_000_000L);
    assertEquals(150.0, stats.cpuPercentSinceLast(), 1e-9);
  }

  @Test
  void aCpuCounterThatGoesBackwardsReadsZeroNotNegative() {
    cpu.set(5_000_000_000L);
    ProcessStats stats = new ProcessStats(cpu::get, wall::get, dir.resolve("none"));
    cpu.set(1_000_000_000L);
    wall.set(1_000_000_000L);
    assertEquals(0.0, stats.cpuPercentSinceLast(), 1e-9);
  }

  @Test
  void aStatusFileWithoutAReadableVmRssIsUnknown() throws IOException {
    Path noRss = Files.writeString(dir.resolve("kernel-thread"), "Name:\tkthreadd\nThreads:\t1\n");
    assertEquals(0, new ProcessStats(cpu::get, wall::get, noRss).residentBytes());
    Path garbled = Files.writeString(dir.resolve("garbled"), "VmRSS:\t lots kB\n");
    assertEquals(0, new ProcessStats(cpu::get, wall::get, garbled).residentBytes());
  }
}
