package io.fleetcontrol.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code source <(fleet-agent generate-completion)}: the employee's commands complete in bash and zsh. */
class CompletionTest {

  @Test
  void generatesACompletionScriptThatKnowsTheEmployeesCommands() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AgentMain.run(new String[] {"generate-completion"}, new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    String script = out.toString();
    assertTrue(script.contains("complete -F _complete_fleet-agent"), "registers itself for fleet-agent");
    for (String command : new String[] {"pause", "resume", "exemption", "notice", "status"}) {
      assertTrue(script.contains(command), "completes " + command);
    }
  }
}
