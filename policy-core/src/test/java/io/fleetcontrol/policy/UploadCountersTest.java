package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Upload counting per local day and month of the device. */
class UploadCountersTest {

  private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static Instant at(String instant) {
    return Instant.parse(instant);
  }

  @Test
  void addsWithinTheLocalDay() {
    UploadCounters c = UploadCounters.EMPTY
        .add(100, at("2026-11-23T01:00:00Z"), TOKYO)
        .add(50, at("2026-11-23T14:59:59Z"), TOKYO); // 23:59:59 in Tokyo
    assertEquals(new UploadCounters(LocalDate.of(2026, 11, 23), 150, YearMonth.of(2026, 11), 150), c);
  }

  @Test
  void theDayRollsOverAtLocalMidnightNotUtcMidnight() {
    UploadCounters c = UploadCounters.EMPTY.add(100, at("2026-11-23T14:00:00Z"), TOKYO);
    UploadCounters afterMidnight = c.add(7, at("2026-11-23T15:00:00Z"), TOKYO); // 00:00 on the 24th in Tokyo
    assertEquals(LocalDate.of(2026, 11, 24), afterMidnight.localDay());
    assertEquals(7, afterMidnight.bytesToday());
    assertEquals(107, afterMidnight.bytesThisMonth());
  }

  @Test
  void theMonthRollsOverOnTheFirstAtLocalMidnight() {
    UploadCounters november = UploadCounters.EMPTY.add(1_000, at("2026-12-01T04:59:59Z"), NEW_YORK); // Nov 30, 23:59:59
    assertEquals(YearMonth.of(2026, 11), november.localMonth());
    UploadCounters december = november.add(1, at("2026-12-01T05:00:00Z"), NEW_YORK);
    assertEquals(new UploadCounters(LocalDate.of(2026, 12, 1), 1, YearMonth.of(2026, 12), 1), december);
  }

  @Test
  void asOfDropsWhatRolledOverAndAddsNothing() {
    UploadCounters c = UploadCounters.EMPTY.add(500, at("2026-11-23T12:00:00Z"), NEW_YORK);
    assertEquals(c, c.asOf(at("2026-11-23T20:00:00Z"), NEW_YORK));
    assertEquals(new UploadCounters(LocalDate.of(2026, 11, 24), 0, YearMonth.of(2026, 11), 500),
        c.asOf(at("2026-11-24T12:00:00Z"), NEW_YORK));
    assertEquals(new UploadCounters(LocalDate.of(2027, 1, 1), 0, YearMonth.of(2027, 1), 0),
        c.asOf(at("2027-01-01T12:00:00Z"), NEW_YORK));
    assertEquals(0, UploadCounters.EMPTY.asOf(at("2026-11-23T12:00:00Z"), NEW_YORK).bytesToday());
  }

  @Test
  void aLateReportFromYesterdayCountsForTheMonthButDoesNotResetToday() {
    UploadCounters today = UploadCounters.EMPTY.add(300, at("2026-11-24T15:00:00Z"), NEW_YORK);
    UploadCounters late = today.add(40, at("2026-11-23T15:00:00Z"), NEW_YORK);
    assertEquals(new UploadCounters(LocalDate.of(2026, 11, 24), 300, YearMonth.of(2026, 11), 340), late);
    UploadCounters lastMonth = today.add(40, at("2026-10-31T15:00:00Z"), NEW_YORK);
    assertEquals(today, lastMonth);
    assertSame(today, today.asOf(at("2026-11-23T15:00:00Z"), NEW_YORK));
  }

  @Test
  void aDstDayOf23HoursIsStillOneDay() {
    // New York, 2026-03-08: local midnight to midnight is 23 hours.
    UploadCounters c = UploadCounters.EMPTY
        .add(1, at("2026-03-08T05:00:00Z"), NEW_YORK) // 00:00 EST
        .add(2, at("2026-03-09T03:59:59Z"), NEW_YORK); // 23:59:59 EDT
    assertEquals(3, c.bytesToday());
    assertEquals(0, c.asOf(at("2026-03-09T04:00:00Z"), NEW_YORK).bytesToday()); // 00:00 EDT on the 9th
  }

  @Test
  void countersOnlyGrow() {
    assertThrows(IllegalArgumentException.class, () -> UploadCounters.EMPTY.add(-1, at("2026-11-23T12:00:00Z"), NEW_YORK));
    UploadCounters full = UploadCounters.EMPTY.add(Long.MAX_VALUE, at("2026-11-23T12:00:00Z"), NEW_YORK)
        .add(1, at("2026-11-23T12:00:01Z"), NEW_YORK);
    assertEquals(Long.MAX_VALUE, full.bytesToday());
  }

  private static final BandwidthRules CAPS = new BandwidthRules(100, 1000, BandwidthRules.MeteredNetworkAction.ALLOW, 0);

  private static UploadCounters counted(long today, long month) {
    return new UploadCounters(LocalDate.of(2026, 12, 1), today, YearMonth.of(2026, 12), month);
  }

  @Test
  void reachingTheDailyOrMonthlyCapCrossesIt() {
    assertEquals(true, counted(100, 500).crossedACapSince(counted(99, 499), CAPS));
    assertEquals(true, counted(50, 1000).crossedACapSince(counted(40, 990), CAPS));
  }

  @Test
  void stayingBelowOrAlreadyAboveACapCrossesNothing() {
    assertEquals(false, counted(99, 500).crossedACapSince(counted(10, 400), CAPS));
    assertEquals(false, counted(150, 600).crossedACapSince(counted(120, 580), CAPS), "the daily cap was crossed before");
    assertEquals(false, counted(10, 1200).crossedACapSince(counted(5, 1100), CAPS), "the monthly cap was crossed before");
  }

  @Test
  void aCapOfZeroIsNoCap() {
    assertEquals(false, counted(1_000_000, 9_000_000).crossedACapSince(counted(0, 0), BandwidthRules.UNLIMITED));
  }
}
