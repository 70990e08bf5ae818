package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The small pure pieces the commands are made of. */
class FormattingTest {

  @Test
  void relativeTimeUsesTheLargestWholeUnit() {
    Instant now = Instant.parse("2025-06-01T12:00:00Z");
    assertEquals("3s ago", RelativeTime.ago(now.minusSeconds(3), now));
    assertEquals("2m ago", RelativeTime.ago(now.minusSeconds(150), now));
    assertEquals("5h ago", RelativeTime.ago(now.minus(Duration.ofHours(5)), now));
    assertEquals("4d ago", RelativeTime.ago(now.minus(Duration.ofDays(4)), now));
    assertEquals("0s ago", RelativeTime.ago(now.plusSeconds(2), now), "server clock ahead");
  }

  @Test
  void stateNamesRoundTrip() {
    assertEquals("no_policy", StateNames.of(CaptureState.CAPTURE_STATE_NO_POLICY));
    assertEquals("online", StateNames.of(ConnectionState.CONNECTION_STATE_ONLINE));
    assertEquals(CaptureState.CAPTURE_STATE_NO_POLICY, new StateNames.CaptureStateConverter().convert("no-policy"));
    assertEquals(CaptureState.CAPTURE_STATE_ACTIVE, new StateNames.CaptureStateConverter().convert("CAPTURE_STATE_ACTIVE"));
    assertEquals(List.of("online", "stale", "offline"),
        StateNames.words(ConnectionState.class, StateNames.CONNECTION_PREFIX));
    assertThrows(TypeConversionException.class, () -> new StateNames.CaptureStateConverter().convert("unspecified"));
    assertThrows(TypeConversionException.class, () -> new StateNames.ConnectionStateConverter().convert("unrecognized"));
  }

  @Test
  void serverAddressParsesHostAndPort() {
    assertEquals(new ServerAddress("fleet.example.com", 8443), ServerAddress.parse("fleet.example.com:8443"));
    assertEquals(new ServerAddress("::1", 8080), ServerAddress.parse("[::1]:8080"));
    assertEquals("[::1]:8080", ServerAddress.parse("[::1]:8080").toString());
    assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("no-port"));
    assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("host:99999"));
  }

  @Test
  void durationsReadAsTyped() {
    DurationConverter converter = new DurationConverter();
    assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
    assertEquals(Duration.ofSeconds(10), converter.convert("10s"));
    assertEquals(Duration.ofMinutes(2), converter.convert("2m"));
    assertEquals(Duration.ofSeconds(3), converter.convert("PT3S"));
    assertThrows(TypeConversionException.class, () -> converter.convert("0s"));
    assertThrows(TypeConversionException.class, () -> converter.convert("soon"));
  }

  @Test
  void countsSortNumbersNumericallyAndMergeRenamedKeys() {
    Map<String, Long> sorted = Counts.sorted(Map.of("10", 1L, "2", 2L, "abc", 3L));
    assertEquals(List.of("2", "10", "abc"), List.copyOf(sorted.keySet()));
    Map<String, Long> renamed = Counts.sorted(Map.of("A", 1L, "a", 2L), String::toLowerCase);
    assertEquals(Map.of("a", 3L), renamed);
  }

  @Test
  void tableAlignsColumnsAndFillsEmptyCells() {
    StringWriter text = new StringWriter();
    new Table("ID", "NAME").row("a", "").row("long-id", "x").print(new PrintWriter(text, true), "");
    assertEquals(List.of("ID        NAME", "a         -", "long-id   x"), text.toString().lines().toList());
  }
}
