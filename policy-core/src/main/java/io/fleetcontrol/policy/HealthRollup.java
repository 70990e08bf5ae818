package io.fleetcontrol.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One device's health over the last hour, from its heartbeats: how fast the battery drains while
 * unplugged, how much it uploads, how often the agent fails, what the agent costs. Kept in twelve
 * five-minute buckets, so memory stays the same however often the device beats. Immutable: {@link
 * #add} returns the next one. These are the numbers a rollout compares between devices on a new
 * policy version and the rest.
 */
public record HealthRollup(List<Bucket> buckets, Sample previous) {

  public static final Duration WINDOW = Duration.ofHours(1);
  static final Duration BUCKET = Duration.ofMinutes(5);
  /**
   * Two discharging samples further apart than this say little about the rate between them (the
   * laptop slept). Half again the longest heartbeat a policy may set, so a device on that interval,
   * whose beats arrive a little late, is still measured.
   */
  static final Duration LONGEST_GAP = PolicyValidator.MAX_HEARTBEAT.multipliedBy(3).dividedBy(2);

  public static final HealthRollup EMPTY = new HealthRollup(List.of(), null);

  /** The last heartbeat's battery, to measure the drop to the next one. */
  public record Sample(Instant at, boolean batteryKnown, int batteryPercent, boolean charging) {}

  /**
   * One five-minute slice. {@code drainPercent} over {@code drainMillis}: battery lost between
   * consecutive discharging samples, and the time between them.
   */
  public record Bucket(
      long index, int samples, double drainPercent, long drainMillis, long uploadedBytes, long agentErrors,
      double cpuPercentSum, long rssBytesMax) {

    Bucket plus(double drop, long dropMillis, DeviceTelemetry t) {
      return new Bucket(index, samples + 1, drainPercent + drop, drainMillis + dropMillis,
          uploadedBytes + Math.max(0, t.uploadedBytesDelta()), agentErrors + Math.max(0, t.agentErrorCount()),
          cpuPercentSum + t.agentCpuPercent(), Math.max(rssBytesMax, t.agentRssBytes()));
    }
  }

  /** What the window says, for summaries and rollout gates. */
  public record Summary(
      int samples,
      double batteryDrainPercentPerHour,
      long uploadedBytesPerHour,
      long agentErrors,
      double agentCpuPercentMean,
      long agentRssBytesMax) {

    public static final Summary NONE = new Summary(0, Double.NaN, 0, 0, 0, 0);

    /** False when the device was never seen discharging in the window: it has no drain rate to compare. */
    public boolean hasDrainRate() {
      return !Double.isNaN(batteryDrainPercentPerHour);
    }
  }

  public HealthRollup {
    buckets = List.copyOf(buckets);
  }

  public HealthRollup add(Instant at, DeviceTelemetry telemetry) {
    double drop = 0;
    long dropMillis = 0;
    if (previous != null && discharging(previous.batteryKnown(), previous.charging())
        && discharging(telemetry.batteryKnown(), telemetry.charging())) {
      long millis = Duration.between(previous.at(), at).toMillis();
      if (millis > 0 && millis <= LONGEST_GAP.toMillis()) {
        drop = Math.max(0, previous.batteryPercent() - telemetry.batteryPercent());
        dropMillis = millis;
      }
    }
    long index = at.getEpochSecond() / BUCKET.toSeconds();
    List<Bucket> next = new ArrayList<>(buckets.size() + 1);
    Bucket current = null;
    for (Bucket b : buckets) {
      if (b.index() == index) {
        current = b;
      } else if (b.index() > index - bucketsInWindow()) {
        next.add(b);
      }
    }
    Bucket base = current != null ? current : new Bucket(index, 0, 0, 0, 0, 0, 0, 0);
    next.add(base.plus(drop, dropMillis, telemetry));
    next.sort((a, b) -> Long.compare(a.index(), b.index()));
    Sample sample = new Sample(at, telemetry.batteryKnown(), telemetry.batteryPercent(), telemetry.charging());
    return new HealthRollup(next, sample);
  }

  /** The last hour as of {@code now}: buckets older than the window no longer count. */
  public Summary summary(Instant now) {
    long nowIndex = now.getEpochSecond() / BUCKET.toSeconds();
    int samples = 0;
    double drain = 0;
    long drainMillis = 0;
    long uploaded = 0;
    long errors = 0;
    double cpu = 0;
    long rss = 0;
    long oldest = Long.MAX_VALUE;
    for (Bucket b : buckets) {
      if (b.index() <= nowIndex - bucketsInWindow() || b.index() > nowIndex) {
        continue;
      }
      samples += b.samples();
      drain += b.drainPercent();
      drainMillis += b.drainMillis();
      uploaded += b.uploadedBytes();
      errors += b.agentErrors();
      cpu += b.cpuPercentSum();
      rss = Math.max(rss, b.rssBytesMax());
      oldest = Math.min(oldest, b.index());
    }
    if (samples == 0) {
      return Summary.NONE;
    }
    double hoursDischarging = drainMillis / 3_600_000.0;
    // Uploads per hour over the part of the window the device was seen in, so a device that came
    // online ten minutes ago is not made to look thrifty.
    double hoursSeen = Math.max(BUCKET.toSeconds(), (nowIndex - oldest + 1) * BUCKET.toSeconds()) / 3600.0;
    return new Summary(
        samples,
        hoursDischarging > 0 ? drain / hoursDischarging : Double.NaN,
        Math.round(uploaded / hoursSeen),
        errors,
        cpu / samples,
        rss);
  }

  private static boolean discharging(boolean batteryKnown, boolean charging) {
    return batteryKnown && !charging;
  }

  private static long bucketsInWindow() {
    return WINDOW.toSeconds() / BUCKET.toSeconds();
  }
}
