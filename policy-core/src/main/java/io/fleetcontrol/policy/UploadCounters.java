package io.fleetcontrol.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * Bytes uploaded in the device's current local day and month, for the bandwidth caps. A new
 * local day (or month) starts its count at zero.
 */
public record UploadCounters(LocalDate localDay, long bytesToday, YearMonth localMonth, long bytesThisMonth) {

  public static final UploadCounters EMPTY = new UploadCounters(null, 0, null, 0);

  /** The counters as they stand at {@code now}: what belongs to a past day or month is dropped. */
  public UploadCounters asOf(Instant now, ZoneId zone) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    YearMonth month = YearMonth.from(day);
    return new UploadCounters(
        day,
        day.equals(localDay) ? bytesToday : 0,
        month,
        month.equals(localMonth) ? bytesThisMonth : 0);
  }

  public UploadCounters add(long bytes, Instant at, ZoneId zone) {
    UploadCounters current = asOf(at, zone);
    return new UploadCounters(current.localDay, current.bytesToday + bytes, current.localMonth,
        current.bytesThisMonth + bytes);
  }
}
