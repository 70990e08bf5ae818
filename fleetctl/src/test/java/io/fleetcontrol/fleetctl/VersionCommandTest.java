package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fleetcontrol.build.BuildInfo;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fleetctl version}: fleetctl's build, the server's from GetServerInfo, and what happens without one. */
class VersionCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeAdminServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new FakeAdminServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void forgetEarlierCalls() {
    server.service.reset();
  }

  /** The version fleetctl's own pom inherits: what this build of fleetctl is. */
  private static String fleetctlPomVersion() throws Exception {
    var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    var parent = (org.w3c.dom.Element) pom.getDocumentElement().getElementsByTagName("parent").item(0);
    return parent.getElementsByTagName("version").item(0).getTextContent().strip();
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void printsFleetctlsBuildAndTheServersAnswer() throws Exception {
    String client = fleetctlPomVersion();
    assertEquals(client, BuildInfo.current().version());
    assertNotEquals(client, FakeAdminService.SERVER_INFO.getVersion(), "the fake's version tells the two apart");

    CliResult result = CliResult.run("--server", server.address(), "--token", "t", "version");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("", result.err());
    List<String> lines = result.out().lines().toList();
    assertEquals("Client Version:  " + client + " (API fleet.v1)", lines.get(0));
    assertEquals("Server Version:  9.8.7-fake (API fleet.v1)", lines.get(1));
    assertEquals("Server Node:     pekko://fleet@10.0.3.17:7355", lines.get(2));
    assertTrue(lines.get(3).startsWith("Server Started:  2026-11-20T08:00:00Z ("), lines.get(3));
    assertEquals("Server Java:     17.0.12+7", lines.get(4));
    assertEquals(5, lines.size(), result.out());
    assertEquals(1, server.service.metadata.size(), "one call");
    assertEquals(Optional.of("Bearer t"), server.service.metadata.get(0).getText("authorization"));
  }

  @Test
  void jsonAndYamlHoldTheClientAndTheServerAsObjects() throws Exception {
    CliResult json = CliResult.against(server, "version", "-o", "json");

    assertEquals(0, json.exitCode(), json.err());
    JsonNode out = JSON.readTree(json.out());
    assertEquals(BuildInfo.current().version(), out.at("/client/version").asText());
    assertEquals("fleet.v1", out.at("/client/api_version").asText());
    assertEquals("9.8.7-fake", out.at("/server/version").asText());
    assertEquals("pekko://fleet@10.0.3.17:7355", out.at("/server/node_address").asText());
    assertEquals("2026-11-20T08:00:00Z", out.at("/server/start_time").asText());
    assertEquals("17.0.12+7", out.at("/server/java_version").asText());

    CliResult yaml = CliResult.against(server, "version", "-o", "yaml");
    assertEquals(0, yaml.exitCode(), yaml.err());
    assertEquals(out, new YAMLMapper().readTree(yaml.out()));
  }

  @Test
  void clientOnlyNeverCallsTheServer() throws Exception {
    CliResult toTheFake = CliResult.against(server, "version", "--client");
    assertEquals(0, toTheFake.exitCode(), toTheFake.err());
    assertEquals("Client Version:  " + BuildInfo.current().version() + " (API fleet.v1)", toTheFake.out().strip());
    assertTrue(server.service.metadata.isEmpty(), "nothing sent");

    CliResult nowhere = CliResult.run("--server", "127.0.0.1:" + closedPort(), "version", "--client", "-o", "json");
    assertEquals(0, nowhere.exitCode(), nowhere.err());
    assertEquals("", nowhere.err());
    JsonNode out = JSON.readTree(nowhere.out());
    assertEquals(BuildInfo.current().version(), out.at("/client/version").asText());
    assertFalse(out.has("server"), nowhere.out());
  }

  @Test
  void anUnreachableServerStillGivesTheClientsVersionThenOneLineAndExitOne() throws Exception {
    int port = closedPort();
    CliResult table = CliResult.run("--server", "127.0.0.1:" + port, "version");

    assertEquals(ExitCodes.ERROR, table.exitCode());
    assertEquals("Client Version:  " + BuildInfo.current().version() + " (API fleet.v1)", table.out().strip());
    assertEquals(1, table.errLines().size(), table.err());
    assertTrue(table.err().startsWith("fleetctl: version: UNAVAILABLE: server 127.0.0.1:" + port), table.err());

    CliResult json = CliResult.run("--server", "127.0.0.1:" + port, "version", "-o", "json");
    assertEquals(ExitCodes.ERROR, json.exitCode());
    JsonNode out = JSON.readTree(json.out());
    assertEquals(BuildInfo.current().version(), out.at("/client/version").asText());
    assertFalse(out.has("server"), json.out());
    assertEquals(1, json.errLines().size(), json.err());
  }

  @Test
  void aServerBuiltBeforeGetServerInfoIsNamedAsSuch() {
    server.service.servesServerInfo = false;

    CliResult result = CliResult.against(server, "version");

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertTrue(result.out().startsWith("Client Version:  " + BuildInfo.current().version()), result.out());
    assertEquals(List.of("fleetctl: version: UNIMPLEMENTED: server " + server.address()
        + " does not serve GetServerInfo: it runs a controller built before `fleetctl version` existed"),
        result.errLines());
  }

  @Test
  void helpAndCompletionOfferTheCommand() {
    CliResult help = CliResult.run("--help");
    assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith("version ")), help.out());

    CliResult completion = CliResult.run("generate-completion");
    assertEquals(0, completion.exitCode(), completion.err());
    assertTrue(completion.out().contains("version"), "the subcommand completes");
    assertTrue(completion.out().contains("--client"), "and its option");
  }
}
