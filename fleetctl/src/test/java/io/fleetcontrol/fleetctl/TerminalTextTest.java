package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Strings from devices cannot drive the admin's terminal, in any column or format. */
class TerminalTextTest {
  private static FakeAdminServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new FakeAdminServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Test
  void controlAndBidiCharactersAreShownAsEscapes() {
    assertEquals("evil\\x1b[2J\\x0dok\\x07\\x08\\u202egpj.exe", TerminalText.escape(FakeAdminService.HOSTILE_TEXT));
    assertEquals("\\u2066a\\u2069 \\u009b1m \\x09 \\u007f", TerminalText.escape("\u2066a\u2069 \u009b1m \t \u007f"));
    assertEquals("line one\nline two\r\nnaïve 名前 ✓", TerminalText.escape("line one\nline two\r\nnaïve 名前 ✓"));
  }

  @Test
  void everythingPrintedThroughTheWriterIsEscapedAndLinesStayLines() {
    StringWriter sink = new StringWriter();
    PrintWriter out = TerminalText.escaping(new PrintWriter(sink));
    new Table("DEVICE", "OWNER").row("dev-01", FakeAdminService.HOSTILE_TEXT).print(out, "");
    out.printf("%s%n", "\u001b]0;title\u0007");
    out.flush();

    assertEquals("DEVICE   OWNER\ndev-01   evil\\x1b[2J\\x0dok\\x07\\x08\\u202egpj.exe\n\\x1b]0;title\\x07\n",
        sink.toString().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void aLineBreakInACellCannotAddARow() {
    StringWriter sink = new StringWriter();
    PrintWriter out = TerminalText.escaping(new PrintWriter(sink));
    new Table("DEVICE", "OWNER").row("dev-01", "x\nfake-dev   ceo@example.com").print(out, "");
    out.flush();
    assertEquals(2, sink.toString().lines().count(), sink.toString());
    assertTrue(sink.toString().contains("x\\x0afake-dev"), sink.toString());
  }

  @Test
  void aHostileDeviceIsPrintedEscapedInEveryColumn() {
    CliResult result = CliResult.against(server, "devices", "get", FakeAdminService.HOSTILE_ID);

    assertEquals(0, result.exitCode(), result.err());
    assertNoTerminalControls(result.out());
    String escaped = TerminalText.escape(FakeAdminService.HOSTILE_TEXT);
    for (String field : new String[] {"owner:", "agent_version:", "labels:"}) {
      String line = result.out().lines().filter(l -> l.strip().startsWith(field)).findFirst().orElseThrow(
          () -> new AssertionError("no " + field + " in\n" + result.out()));
      assertTrue(line.contains(escaped), line);
    }
    assertTrue(result.out().lines().anyMatch(l -> l.contains("device.enrolled") && l.contains(escaped)),
        "the history's detail is escaped too:\n" + result.out());
  }

  @Test
  void jsonStaysValidAndCarriesTheExactValue() throws Exception {
    CliResult result = CliResult.against(server, "devices", "get", FakeAdminService.HOSTILE_ID, "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertNoTerminalControls(result.out());
    JsonNode response = new ObjectMapper().readTree(result.out());
    JsonNode device = response.get("device");
    assertEquals(FakeAdminService.HOSTILE_TEXT, device.get("owner").asText());
    assertEquals(FakeAdminService.HOSTILE_TEXT, device.get("labels").get("team").asText());
    assertEquals(FakeAdminService.HOSTILE_TEXT, response.get("history").get(0).get("detail").asText());
  }

  @Test
  void aServerRefusalQuotingHostileInputIsEscapedOnStderr() {
    CliResult result = CliResult.against(server, "devices", "get", "x\u001b[31m\u202e");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode(), result.err());
    assertNoTerminalControls(result.err());
    assertTrue(result.err().contains("x\\x1b[31m\\u202e"), result.err());
  }

  private static void assertNoTerminalControls(String printed) {
    assertFalse(printed.chars().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\r') || c == 0x202e || c == 0x7f),
        "a raw control character reached the terminal:\n" + printed);
  }
}
