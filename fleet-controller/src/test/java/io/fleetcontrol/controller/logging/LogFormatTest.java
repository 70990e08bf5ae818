package io.fleetcontrol.controller.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The controller's logback.xml, as FLEET_LOG_FORMAT picks its format: set here as a property of
 * the logger context, which logback reads before system properties and the environment.
 */
class LogFormatTest {

  private static String logWith(String format) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      LoggerContext context = new LoggerContext();
      context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
      context.putProperty("FLEET_LOG_FORMAT", format);
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      context.getLogger("io.fleetcontrol.controller.grpc.AdminAccessLog").atInfo()
          .addKeyValue("method", "ApproveExemption").addKeyValue("caller", "hr")
          .log("admin {} by {}: {}", "ApproveExemption", "hr", "OK");
      context.stop(); // drains the async appender
    } finally {
      System.setOut(stdout);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonLinesCarryTheMessageAndTheKeyValues() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : logWith("json").split("\n")) {
      if (line.startsWith("{")) {
        lines.add(new ObjectMapper().readTree(line));
      }
    }
    JsonNode admin = lines.stream().filter(l -> l.path("loggerName").asText().endsWith("AdminAccessLog"))
        .findFirst().orElseThrow(() -> new AssertionError("no JSON line for the admin call in " + lines));
    assertEquals("INFO", admin.path("level").asText());
    assertEquals("admin ApproveExemption by hr: OK", admin.path("formattedMessage").asText(), admin.toString());
    assertTrue(admin.path("kvpList").toString().contains("\"caller\":\"hr\""), admin.toString());
  }

  @Test
  void plainIsOneReadableLine() throws Exception {
    String out = logWith("plain");
    assertTrue(out.lines().anyMatch(line -> line.matches(
        "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\S*AdminAccessLog - admin ApproveExemption by hr: OK")), out);
    assertTrue(out.lines().noneMatch(line -> line.startsWith("{")), out);
  }
}
