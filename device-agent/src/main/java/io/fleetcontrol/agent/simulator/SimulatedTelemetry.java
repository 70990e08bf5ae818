package io.fleetcontrol.agent.simulator;

import io.fleetcontrol.agent.telemetry.TelemetrySample;
import io.fleetcontrol.agent.telemetry.TelemetrySource;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * A laptop as its agent would see it: the battery drains while unplugged, is plugged in when low and
 * charges until nearly full; the capture tool uploads a trickle with now and then a burst of several
 * MB (screenshots flushed); the agent itself uses a little CPU and tens of MB. Everything follows
 * elapsed time, not the number of reads, so it looks the same whatever the heartbeat interval.
 *
 * <p>Given the same {@code Random} seed and read instants, a device reads the same every run. The
 * {@link FaultSwitches} may make it drain faster or crash on a given policy version; they draw from
 * their own random numbers, so turning one on leaves the rest of the telemetry as it was.
 */
public final class SimulatedTelemetry implements TelemetrySource {

  // Battery: a 3 to 5 hour battery, charged in about an hour.
  private static final double MIN_DRAIN_PERCENT_PER_MINUTE = 0.3;
  private static final double MAX_DRAIN_PERCENT_PER_MINUTE = 0.5;
  private static final double CHARGE_PERCENT_PER_MINUTE = 1.5;
  private static final double PLUG_IN_BELOW = 15;
  private static final double UNPLUG_ABOVE = 95;

  // Uploads: about 10 MB an hour of small things, and about 15 MB an hour in bursts.
  private static final double TRICKLE_BYTES_PER_SECOND = 3 * 1024;
  private static final Duration MEAN_TIME_BETWEEN_BURSTS = Duration.ofMinutes(20);
  private static final long MIN_BURST_BYTES = 2L << 20;
  private static final long MAX_BURST_BYTES = 8L << 20;

  // The agent process: mostly idle, busier while a burst goes out; memory wanders near its own level.
  private static final double IDLE_CPU_PERCENT = 0.1;
  private static final double MAX_IDLE_EXTRA_CPU_PERCENT = 0.4;
  private static final double MAX_BURST_EXTRA_CPU_PERCENT = 1.5;
  private static final long MB = 1L << 20;
  private static final long MIN_RSS_BYTES = 40 * MB;
  private static final long MAX_RSS_BYTES = 80 * MB;

  private final Random random;
  private final Random faultRandom;
  private final boolean metered;
  private final FaultSwitches faults;
  private final double drainPercentPerMinute;
  private final double usualRssBytes;
  private double batteryPercent;
  private boolean charging;
  private double rssBytes;
  private Instant lastRead;

  /** A laptop on an unmetered network, with no faults. */
  public SimulatedTelemetry(Random random, Instant start) {
    this(random, start, false, new FaultSwitches());
  }

  public SimulatedTelemetry(Random random, Instant start, boolean metered, FaultSwitches faults) {
    this.random = random;
    this.faultRandom = new Random(random.nextLong());
    this.metered = metered;
    this.faults = faults;
    this.drainPercentPerMinute = between(MIN_DRAIN_PERCENT_PER_MINUTE, MAX_DRAIN_PERCENT_PER_MINUTE);
    this.usualRssBytes = between(45 * MB, 70 * MB);
    this.rssBytes = usualRssBytes;
    this.batteryPercent = 40 + random.nextInt(61);
    this.charging = random.nextInt(5) == 0;
    this.lastRead = start;
  }

  /** Throws {@link SimulatedCrashException} when a crash fault on this version strikes. */
  @Override
  public TelemetrySample read(Instant now, long appliedPolicyVersion) {
    Duration elapsed = now.isAfter(lastRead) ? Duration.between(lastRead, now) : Duration.ZERO;
    lastRead = now.isAfter(lastRead) ? now : lastRead;
    advanceBattery(elapsed, faults.drainFactor(appliedPolicyVersion));
    boolean burst = RandomEvents.happened(random, elapsed, MEAN_TIME_BETWEEN_BURSTS);
    long uploaded = (long) (random.nextDouble() * 2 * TRICKLE_BYTES_PER_SECOND * elapsed.toMillis() / 1000.0)
        + (burst ? MIN_BURST_BYTES + random.nextLong(MAX_BURST_BYTES - MIN_BURST_BYTES + 1) : 0);
    TelemetrySample sample = new TelemetrySample(true, (int) Math.round(batteryPercent), charging, metered,
        uploaded, agentCpuPercent(burst), nextRssBytes());
    // Last, so a crash loses this sample but leaves the device's later readings as they would have been.
    crashIfDue(elapsed, appliedPolicyVersion);
    return sample;
  }

  private void advanceBattery(Duration elapsed, double drainFactor) {
    double minutes = elapsed.toMillis() / 60_000.0;
    if (charging) {
      batteryPercent = Math.min(100, batteryPercent + minutes * CHARGE_PERCENT_PER_MINUTE);
      charging = batteryPercent < UNPLUG_ABOVE;
    } else {
      batteryPercent = Math.max(0, batteryPercent - minutes * drainPercentPerMinute * drainFactor);
      charging = batteryPercent < PLUG_IN_BELOW;
    }
  }

  private double agentCpuPercent(boolean burst) {
    double percent = IDLE_CPU_PERCENT + random.nextDouble() * MAX_IDLE_EXTRA_CPU_PERCENT
        + (burst ? random.nextDouble() * MAX_BURST_EXTRA_CPU_PERCENT : 0);
    return Math.round(percent * 100) / 100.0;
  }

  /** Drifts back towards the device's usual level, so memory wanders without running away. */
  private long nextRssBytes() {
    rssBytes += 0.1 * (usualRssBytes - rssBytes) + random.nextGaussian() * MB;
    rssBytes = Math.max(MIN_RSS_BYTES, Math.min(MAX_RSS_BYTES, rssBytes));
    return (long) rssBytes;
  }

  private void crashIfDue(Duration elapsed, long appliedPolicyVersion) {
    var mean = faults.meanTimeBetweenCrashes(appliedPolicyVersion);
    if (mean.isPresent() && RandomEvents.happened(faultRandom, elapsed, mean.get())) {
      throw new SimulatedCrashException("simulated crash of an agent on policy v" + appliedPolicyVersion);
    }
  }

  private double between(double low, double high) {
    return low + random.nextDouble() * (high - low);
  }
}
