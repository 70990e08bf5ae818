package io.fleetcontrol.agent.telemetry;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The agent's own footprint, reported so ops can see it stays small on the laptop: CPU as a share
 * of one core since the previous reading, and resident memory (Linux {@code /proc/self/status};
 * 0, meaning unknown, elsewhere).
 */
final class ProcessStats {

  private final LongSupplier cpuNanos;
  private final LongSupplier wallNanos;
  private final Path procStatus;
  private long lastCpu;
  private long lastWall;

  ProcessStats(LongSupplier cpuNanos, LongSupplier wallNanos, Path procStatus) {
    this.cpuNanos = cpuNanos;
    this.wallNanos = wallNanos;
    this.procStatus = procStatus;
    this.lastCpu = cpuNanos.getAsLong();
    this.lastWall = wallNanos.getAsLong();
  }

  /** This JVM's process, as the JDK and Linux report it. */
  static ProcessStats ofThisProcess() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    LongSupplier cpu = os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun::getProcessCpuTime
        : () -> 0L;
    return new ProcessStats(cpu, System::nanoTime, Path.of("/proc/self/status"));
  }

  /** Percent of one core used since the previous call (100 = a whole core). */
  double cpuPercentSinceLast() {
    long cpu = cpuNanos.getAsLong();
    long wall = wallNanos.getAsLong();
    long cpuDelta = cpu - lastCpu;
    long wallDelta = wall - lastWall;
    lastCpu = cpu;
    lastWall = wall;
    return wallDelta <= 0 || cpuDelta < 0 ? 0 : 100.0 * cpuDelta / wallDelta;
  }

  long residentBytes() {
    try {
      for (String line : Files.readAllLines(procStatus)) {
        if (line.startsWith("VmRSS:")) {
          return residentBytes(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or no /proc: unknown.
    }
    return 0;
  }

  /** "VmRSS:	  141216 kB" to bytes. */
  static long residentBytes(String vmRssLine) {
    String[] parts = vmRssLine.substring("VmRSS:".length()).trim().split("\\s+");
    long kilobytes = Long.parseLong(parts[0]);
    return kilobytes * 1024;
  }
}
