package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Working hours on the device's wall clock: windows over midnight, time zones and DST days. */
class ScheduleTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static boolean within(Schedule schedule, String instant, ZoneId zone) {
    return DeviceRules.withinSchedule(schedule, Instant.parse(instant).atZone(zone));
  }

  private static Schedule window(Set<DayOfWeek> days, int startHour, int startMinute, int endHour, int endMinute) {
    return new Schedule(days, LocalTime.of(startHour, startMinute), LocalTime.of(endHour, endMinute));
  }

  @Test
  void startIsInsideAndEndIsOutside() {
    Schedule nineToFive = window(EnumSet.of(DayOfWeek.MONDAY), 9, 0, 17, 0);
    assertFalse(within(nineToFive, "2026-11-23T08:59:59Z", ZoneId.of("UTC")));
    assertTrue(within(nineToFive, "2026-11-23T09:00:00Z", ZoneId.of("UTC")));
    assertTrue(within(nineToFive, "2026-11-23T16:59:59Z", ZoneId.of("UTC")));
    assertFalse(within(nineToFive, "2026-11-23T17:00:00Z", ZoneId.of("UTC")));
    assertFalse(within(nineToFive, "2026-11-24T10:00:00Z", ZoneId.of("UTC")), "Tuesday is not a working day");
  }

  @Test
  void aNightShiftOverMidnightBelongsToTheDayItStartsInBerlin() {
    // Friday 22:00 to Saturday 06:00, Berlin time (UTC+1 in November).
    Schedule fridayNight = window(EnumSet.of(DayOfWeek.FRIDAY), 22, 0, 6, 0);
    assertFalse(within(fridayNight, "2026-11-27T20:59:59Z", BERLIN), "Friday 21:59:59");
    assertTrue(within(fridayNight, "2026-11-27T21:00:00Z", BERLIN), "Friday 22:00");
    assertTrue(within(fridayNight, "2026-11-27T23:30:00Z", BERLIN), "Saturday 00:30");
    assertTrue(within(fridayNight, "2026-11-28T04:59:59Z", BERLIN), "Saturday 05:59:59");
    assertFalse(within(fridayNight, "2026-11-28T05:00:00Z", BERLIN), "Saturday 06:00");
    assertFalse(within(fridayNight, "2026-11-28T22:00:00Z", BERLIN), "Saturday 23:00: Saturday is not a shift day");
    assertFalse(within(fridayNight, "2026-11-27T01:00:00Z", BERLIN), "Friday 02:00 belongs to Thursday's shift");
  }

  @Test
  void theSameInstantIsJudgedOnEachDevicesOwnClock() {
    Schedule nineToFive = window(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), 9, 0, 17, 0);
    String instant = "2026-11-23T15:00:00Z"; // 16:00 in Berlin, 10:00 in New York, 00:00 Tuesday in Tokyo
    assertTrue(within(nineToFive, instant, BERLIN));
    assertTrue(within(nineToFive, instant, NEW_YORK));
    assertFalse(within(nineToFive, instant, ZoneId.of("Asia/Tokyo")));
  }

  @Test
  void springForwardSkipsTheMissingHour() {
    // New York, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    Schedule earlySunday = window(EnumSet.of(DayOfWeek.SUNDAY), 1, 0, 3, 0);
    assertTrue(within(earlySunday, "2026-03-08T06:30:00Z", NEW_YORK), "01:30 EST");
    assertTrue(within(earlySunday, "2026-03-08T06:59:59Z", NEW_YORK), "01:59:59 EST");
    assertFalse(within(earlySunday, "2026-03-08T07:00:00Z", NEW_YORK), "03:00 EDT, one real hour after 02:00 would have been");
    Schedule missingHalfHour = window(EnumSet.of(DayOfWeek.SUNDAY), 2, 0, 2, 30);
    assertFalse(within(missingHalfHour, "2026-03-08T06:59:59Z", NEW_YORK));
    assertFalse(within(missingHalfHour, "2026-03-08T07:00:00Z", NEW_YORK));
  }

  @Test
  void fallBackRunsTheRepeatedHourTwice() {
    // New York, Sunday 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    Schedule oneToTwo = window(EnumSet.of(DayOfWeek.SUNDAY), 1, 0, 2, 0);
    assertTrue(within(oneToTwo, "2026-11-01T05:30:00Z", NEW_YORK), "01:30 EDT");
    assertTrue(within(oneToTwo, "2026-11-01T06:30:00Z", NEW_YORK), "01:30 EST");
    assertFalse(within(oneToTwo, "2026-11-01T07:00:00Z", NEW_YORK), "02:00 EST");
  }

  @Test
  void aNightShiftAcrossTheEuropeanSpringForward() {
    // Berlin, Saturday 2026-03-28 22:00 CET to Sunday 06:00 CEST: 02:00 becomes 03:00 that night.
    Schedule saturdayNight = window(EnumSet.of(DayOfWeek.SATURDAY), 22, 0, 6, 0);
    assertTrue(within(saturdayNight, "2026-03-29T00:59:59Z", BERLIN), "01:59:59 CET");
    assertTrue(within(saturdayNight, "2026-03-29T01:00:00Z", BERLIN), "03:00 CEST");
    assertTrue(within(saturdayNight, "2026-03-29T03:59:59Z", BERLIN), "05:59:59 CEST");
    assertFalse(within(saturdayNight, "2026-03-29T04:00:00Z", BERLIN), "06:00 CEST");
  }

  @Test
  void theDecisionUsesTheDevicesZone() {
    Schedule fridayNight = window(EnumSet.of(DayOfWeek.FRIDAY), 22, 0, 6, 0);
    Policy p = PolicyBuilder.policy().schedule(fridayNight).build();
    Instant saturdayOneAmBerlin = Instant.parse("2026-11-28T00:00:00Z"); // Friday 19:00 in New York
    DeviceConditions inBerlin = DeviceBuilder.device().zone(BERLIN).lastContact(saturdayOneAmBerlin).build();
    DeviceConditions inNewYork = DeviceBuilder.device().lastContact(saturdayOneAmBerlin).build();
    assertEquals(CaptureState.ACTIVE, CaptureDecision.captureState(p, inBerlin, saturdayOneAmBerlin).state());
    assertEquals(CaptureState.OUTSIDE_SCHEDULE, CaptureDecision.captureState(p, inNewYork, saturdayOneAmBerlin).state());
  }
}
