package io.fleetcontrol.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
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

  @Test
  void aStatusIntervalThatIsNoIntervalIsAUsageErrorThatNamesTheOption() {
    for (String every : new String[] {"0s", "soon"}) {
      StringWriter err = new StringWriter();
      int code = AgentMain.run(new String[] {"simulate", "--count", "1", "--status-every", every},
          new PrintWriter(new StringWriter()), new PrintWriter(err));
      assertEquals(2, code, every);
      assertTrue(err.toString().contains(every), every + ": " + err);
    }
  }
}
