package io.fleetcontrol.agent.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReconnectHistogramTest {

  private static final Instant SINCE = Instant.parse("2025-03-03T09:00:00Z");

  @Test
  void countsPerWholeSecondSinceTheInstantLeavingEarlierOnesOut() {
    List<Instant> connects = List.of(
        SINCE.minusMillis(1),
        SINCE,
        SINCE.plusMillis(999),
        SINCE.plusSeconds(1),
        SINCE.plusMillis(12_500),
        SINCE.plusSeconds(12));
    assertEquals(new TreeMap<>(Map.of(0L, 2, 1L, 1, 12L, 2)), ReconnectHistogram.perSecond(SINCE, connects));
    assertEquals(new TreeMap<>(), ReconnectHistogram.perSecond(SINCE, List.of(SINCE.minusSeconds(5))));
  }

  @Test
  void formatsOneAlignedLinePerSecondWithBarsScaledToThePeak() {
    SortedMap<Long, Integer> perSecond = new TreeMap<>();
    perSecond.put(0L, 10);
    perSecond.put(12L, 347);
    perSecond.put(13L, 694);
    String[] lines = ReconnectHistogram.format(perSecond).split("\n");
    assertEquals(3, lines.length);
    assertEquals("+0s    10 #", lines[0]);
    assertEquals("+12s  347 " + "#".repeat(25), lines[1]);
    assertEquals("+13s  694 " + "#".repeat(50), lines[2]);
    assertEquals("", ReconnectHistogram.format(new TreeMap<>()));
  }
}
