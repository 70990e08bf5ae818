package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class PlainWordsTest {

  @Test
  void durations() {
    assertEquals("30 minutes", PlainWords.duration(Duration.ofMinutes(30)));
    assertEquals("1 hour", PlainWords.duration(Duration.ofHours(1)));
    assertEquals("1 hour 30 minutes", PlainWords.duration(Duration.ofMinutes(90)));
    assertEquals("1 day", PlainWords.duration(Duration.ofHours(24)));
    assertEquals("30 days", PlainWords.duration(Duration.ofDays(30)));
    assertEquals("1 second", PlainWords.duration(Duration.ofSeconds(1)));
    assertEquals("500 milliseconds", PlainWords.duration(Duration.ofMillis(500)));
    assertEquals("0 seconds", PlainWords.duration(Duration.ZERO));
    assertEquals("-5 minutes", PlainWords.duration(Duration.ofMinutes(-5)));
  }

  @Test
  void theMostNegativeDurationStillReadsAsWords() {
    // A policy sent with offline_limit of Long.MIN_VALUE seconds is refused with these words, not a crash.
    assertEquals(true, PlainWords.duration(Duration.ofSeconds(Long.MIN_VALUE)).startsWith("-106751991167300 days"));
  }

  @Test
  void bytesInDecimalUnits() {
    assertEquals("999 bytes", PlainWords.bytes(999));
    assertEquals("1 kB", PlainWords.bytes(1_000));
    assertEquals("500 MB", PlainWords.bytes(500_000_000));
    assertEquals("1.2 MB", PlainWords.bytes(1_234_567));
    assertEquals("1 GB", PlainWords.bytes(1_000_000_000));
    assertEquals("1.5 GB", PlainWords.bytes(1_500_000_000));
    assertEquals("5 TB", PlainWords.bytes(5_000_000_000_000L));
  }

  @Test
  void deviceClockNamesTheDayOnlyWhenItIsNotToday() {
    ZoneId ny = ZoneId.of("America/New_York");
    Instant now = Instant.parse("2026-11-23T15:00:00Z");
    assertEquals("14:32", PlainWords.deviceClock(Instant.parse("2026-11-23T19:32:00Z"), now, ny));
    assertEquals("Tue 01:15", PlainWords.deviceClock(Instant.parse("2026-11-24T06:15:00Z"), now, ny));
  }
}
