package io.fleetcontrol.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SimulateCommandTest {

  @Test
  void statusLineShowsNewestVersionsFirstAndAgentsWithoutPolicyAsNone() {
    TreeMap<Long, Integer> counts = new TreeMap<>();
    counts.put(0L, 2);
    counts.put(2L, 8);
    counts.put(3L, 990);
    assertEquals("connected 998/1000, policy v3: 990, v2: 8, none: 2", SimulateCommand.statusLine(998, 1000, counts));
    assertEquals("connected 0/10, policy -", SimulateCommand.statusLine(0, 10, new TreeMap<>()));
  }
}
