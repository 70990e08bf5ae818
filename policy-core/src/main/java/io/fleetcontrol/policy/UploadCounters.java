package io.fleetcontrol.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * Bytes uploaded in the device's current local day and month, for the bandwidth caps. The count
 * starts again at zero at local midnight and on the first of the month. The counters never move
 * back in time: bytes stamped with a past day count toward the month only (if it is the same
 * month), and an earlier {@code now} leaves them as they are, so late or out-of-order reports
 * never reset today's count.
 */
public record UploadCounters(LocalDate localDay, long bytesToday, YearMonth localMonth, long bytesThisMonth) {

  public static final UploadCounters EMPTY = new UploadCounters(null, 0, null, 0);

  /** The counters as they stand at {@code now}: what belongs to a past day or month is dropped. */
  public UploadCounters asOf(Instant now, ZoneId zone) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    if (localDay != null && day.isBefore(localDay)) {
      return this;
    }
    YearMonth month = YearMonth.from(day);
    return new UploadCounters(
        day,
        day.equals(localDay) ? bytesToday : 0,
        month,
        month.equals(localMonth) ? bytesThisMonth : 0);
  }

  /**
   * Counts {@code bytes} uploaded at {@code at}.
   *
   * @throws IllegalArgumentException when {@code bytes} is negative: counters only grow
   */
  public UploadCounters add(long bytes, Instant at, ZoneId zone) {
    if (bytes < 0) {
      throw new IllegalArgumentException("uploaded bytes cannot be negative: " + bytes);
    }
    UploadCounters current = asOf(at, zone);
    LocalDate day = LocalDate.ofInstant(at, zone);
    long today = day.equals(current.localDay) ? saturatedAdd(current.bytesToday, bytes) : current.bytesToday;
    long month = YearMonth.from(day).equals(current.localMonth)
        ? saturatedAdd(current.bytesThisMonth, bytes) : current.bytesThisMonth;
    return new UploadCounters(current.localDay, today, current.localMonth, month);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }

  /**
   * Whether counting from {@code before} to these counters crossed the daily or the monthly cap of
   * {@code bandwidth} (a cap of 0 is none): the moment capture changes state, so it is journaled at once.
   */
  public boolean crossedACapSince(UploadCounters before, BandwidthRules bandwidth) {
    long daily = bandwidth.dailyUploadCapBytes();
    long monthly = bandwidth.monthlyUploadCapBytes();
    boolean crossedDaily = daily > 0 && before.bytesToday < daily && bytesToday >= daily;
    boolean crossedMonthly = monthly > 0 && before.bytesThisMonth < monthly && bytesThisMonth >= monthly;
    return crossedDaily || crossedMonthly;
  }
}
