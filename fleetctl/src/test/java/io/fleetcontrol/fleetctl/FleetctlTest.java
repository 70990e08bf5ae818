package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.util.JsonFormat;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** fleetctl end to end against an in-process fake AdminService. */
class FleetctlTest {
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

  private static CliResult fleetctl(String... args) {
    List<String> all = new ArrayList<>(List.of("--server", server.address(), "--token="));
    Collections.addAll(all, args);
    return CliResult.run(all.toArray(String[]::new));
  }

  @Test
  void statusJsonIsOneObjectWithNumbers() throws Exception {
    CliResult result = fleetctl("status", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode status = JSON.readTree(result.out());
    assertTrue(status.get("online").isNumber(), result.out());
    assertEquals(FakeAdminService.SUMMARY.getOnline(), status.get("online").asLong());
    assertEquals(FakeAdminService.SUMMARY.getTotal(), status.get("total").asLong());
    assertTrue(status.get("by_capture_state").get("CAPTURE_STATE_ACTIVE").isNumber(), result.out());
    assertEquals(8, status.get("by_capture_state").get("CAPTURE_STATE_ACTIVE").asLong());
    JsonNode engineering = status.get("by_applied_policy").get(2);
    assertEquals("engineering", engineering.get("policy").get("policy_name").asText(), result.out());
    assertEquals(10, engineering.get("policy").get("version").asLong());
    assertEquals(4, engineering.get("devices").asLong());
    assertEquals(7, status.get("by_jurisdiction").get("DE").asLong());
    assertEquals(6, status.get("by_label").get("team=sales").asLong());
    assertEquals("", result.err());
  }

  @Test
  void statusYamlHasTheSameStructure() throws Exception {
    CliResult result = fleetctl("-o", "yaml", "status");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode status = new YAMLMapper().readTree(result.out());
    assertEquals(FakeAdminService.SUMMARY.getOnline(), status.get("online").asLong());
    assertEquals("default", status.get("by_applied_policy").get(1).get("policy").get("policy_name").asText(), result.out());
  }

  @Test
  void statusTableShowsTheCounts() {
    CliResult result = fleetctl("status");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("12 total, 9 online, 2 stale, 1 offline"), result.out());
    assertTrue(result.out().contains("active 8, no_policy 3, paused 1"), result.out());
    assertTrue(result.out().contains("Policy:        none 3, default v2 5, engineering v10 4"), result.out());
    assertTrue(result.out().contains("DE 7, FR 5"), result.out());
  }

  @Test
  void devicesListFollowsPagesAndPrintsEachDeviceOnce() {
    CliResult result = fleetctl("devices", "list", "--page-size", "3");

    assertEquals(0, result.exitCode(), result.err());
    List<ListDevicesRequest> requests = server.service.listRequests;
    assertEquals(2, requests.size());
    assertEquals("3", requests.get(1).getPageToken());
    List<String> lines = result.out().lines().toList();
    assertTrue(lines.get(0).startsWith("DEVICE"), result.out());
    assertEquals(1 + FakeAdminService.DEVICES.size(), lines.size(), result.out());
    for (var device : FakeAdminService.DEVICES) {
      long rows = lines.stream().filter(line -> line.startsWith(device.getDeviceId() + " ")).count();
      assertEquals(1, rows, device.getDeviceId() + " in\n" + result.out());
    }
    // Seen 30 s before the fake was built: on a busy machine a minute may have passed by now.
    String dev03 = lines.stream().filter(line -> line.startsWith("dev-03")).findFirst().orElseThrow();
    assertTrue(dev03.matches("dev-03\\s+owner3@example.com\\s+DE\\s+online\\s+no_policy\\s+default v1 -> default v2\\s+\\d+[sm] ago"), dev03);
    String dev05 = lines.stream().filter(line -> line.startsWith("dev-05")).findFirst().orElseThrow();
    assertTrue(dev05.endsWith(" -"), "never seen prints '-': " + dev05);
  }

  @Test
  void devicesListJsonHasEveryDeviceAndTheCount() throws Exception {
    CliResult result = fleetctl("devices", "list", "--page-size", "2", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode list = JSON.readTree(result.out());
    assertEquals(FakeAdminService.DEVICES.size(), list.get("devices").size());
    assertEquals("", list.get("next_page_token").asText(), "one response holding every page");
    List<String> ids = new ArrayList<>();
    list.get("devices").forEach(device -> ids.add(device.get("device_id").asText()));
    assertEquals(List.of("dev-01", "dev-02", "dev-03", "dev-04", "dev-05"), ids);
    JsonNode stale = list.get("devices").get(3);
    assertEquals("CONNECTION_STATE_STALE", stale.get("connection_state").asText());
    assertEquals("CAPTURE_STATE_ACTIVE", stale.get("capture_state").asText());
    assertTrue(stale.get("applied_policy").get("version").isNumber(), "int64 as a number, not proto3's quoted string");
    assertEquals("default", stale.get("applied_policy").get("policy_name").asText());
    assertEquals("sales", stale.get("labels").get("team").asText());
    assertEquals("2025-01-02T03:04:05Z", stale.get("enroll_time").asText());
    assertFalse(list.get("devices").get(4).has("last_seen_time"), "an unset time is left out");
  }

  @Test
  void devicesListStopsAtTheLimit() throws Exception {
    CliResult result = fleetctl("devices", "list", "--page-size", "2", "--limit", "3", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(3, JSON.readTree(result.out()).get("devices").size());
    assertEquals(2, server.service.listRequests.size());
    assertEquals(1, server.service.listRequests.get(1).getPageSize(), "asks only for what is still missing");
  }

  @Test
  void devicesListSendsTheFilters() {
    CliResult result = fleetctl("devices", "list", "--connection-state", "stale", "--capture-state", "no-policy",
        "--policy", "default", "--policy-version", "2", "--jurisdiction", "de", "--label", "team=sales", "--label", "os=mac");

    assertEquals(0, result.exitCode(), result.err());
    ListDevicesRequest sent = server.service.listRequests.get(0);
    assertEquals(ConnectionState.CONNECTION_STATE_STALE, sent.getConnectionState());
    assertEquals(CaptureState.CAPTURE_STATE_NO_POLICY, sent.getCaptureState());
    assertEquals("default", sent.getAppliedPolicy().getPolicyName());
    assertEquals(2, sent.getAppliedPolicy().getVersion());
    assertEquals("DE", sent.getJurisdiction());
    assertEquals(List.of("team=sales", "os=mac"), sent.getLabelsList());
    assertEquals(100, sent.getPageSize());
  }

  @Test
  void devicesGetPrintsTheDeviceAndItsHistory() throws Exception {
    CliResult json = fleetctl("devices", "get", FakeAdminService.KNOWN_ID, "-o", "json");
    CliResult table = fleetctl("devices", "get", FakeAdminService.KNOWN_ID);

    assertEquals(0, json.exitCode(), json.err());
    JsonNode response = JSON.readTree(json.out());
    JsonNode device = response.get("device");
    assertEquals(FakeAdminService.KNOWN_ID, device.get("device_id").asText());
    assertEquals("device.enrolled", response.get("history").get(0).get("action").asText());
    assertEquals("IDENTITY_STATE_REVOKED", device.get("identity_state").asText());
    assertEquals(0, table.exitCode(), table.err());
    assertTrue(table.out().matches("(?s).*identity_state: +revoked.*"), table.out());
    assertTrue(table.out().contains("owner:"), table.out());
    assertTrue(table.out().contains("labels:"), table.out());
    assertTrue(table.out().contains("team=sales"), table.out());
    assertTrue(table.out().contains("device.enrolled"), table.out());
  }

  @Test
  void devicesGetJsonCarriesEveryFieldOfTheDeviceProto() throws Exception {
    CliResult result = fleetctl("devices", "get", FakeAdminService.KNOWN_ID, "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode device = JSON.readTree(result.out()).get("device");
    Set<String> printed = new TreeSet<>();
    device.fieldNames().forEachRemaining(printed::add);
    Set<String> declared = new TreeSet<>();
    Device.getDescriptor().getFields().forEach(field -> declared.add(field.getName()));
    assertEquals(declared, printed);
    // What the hand-written copy used to drop, with its values.
    assertEquals("2026-11-22T09:30:00Z", device.get("active_pause").get("end_time").asText());
    assertEquals("ex-1", device.get("exemptions").get(0).get("exemption_id").asText());
    assertEquals(50_000_000L, device.get("latest_telemetry").get("agent_rss_bytes").asLong());
    assertEquals(4.5, device.get("health").get("battery_drain_percent_per_hour").asDouble());
    assertEquals(2, device.get("pauses_taken_today").asInt());
  }

  @Test
  void devicesGetJsonReadsBackToTheSameMessage() throws Exception {
    CliResult result = fleetctl("devices", "get", FakeAdminService.KNOWN_ID, "-o", "json");

    GetDeviceResponse.Builder parsed = GetDeviceResponse.newBuilder();
    JsonFormat.parser().merge(result.out(), parsed);
    assertEquals(FakeAdminService.KNOWN_DEVICE, parsed.getDevice());
  }

  @Test
  void devicesGetYamlIsTheSameTree() throws Exception {
    CliResult json = fleetctl("devices", "get", FakeAdminService.KNOWN_ID, "-o", "json");
    CliResult yaml = fleetctl("devices", "get", FakeAdminService.KNOWN_ID, "-o", "yaml");

    assertEquals(0, yaml.exitCode(), yaml.err());
    assertEquals(JSON.readTree(json.out()), new YAMLMapper().readTree(yaml.out()));
  }

  @Test
  void devicesGetMissingExitsThreeWithOneLine() {
    CliResult result = fleetctl("devices", "get", "missing");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode());
    assertEquals(List.of("fleetctl: devices get: NOT_FOUND: device \"missing\" is not enrolled"), result.errLines());
    assertEquals("", result.out());
  }

  @Test
  void serverThatIsDownExitsOneAndNamesTheAddress() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    CliResult result = CliResult.run("--server", "127.0.0.1:" + closedPort, "status", "-o", "json");

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertEquals(1, result.errLines().size(), result.err());
    assertTrue(result.err().startsWith("fleetctl: status: UNAVAILABLE: server 127.0.0.1:" + closedPort), result.err());
    assertEquals("", result.out());
  }

  @Test
  void slowServerHitsTheDeadline() {
    CliResult result = fleetctl("--timeout", "300ms", "devices", "get", FakeAdminService.SILENT_ID);

    assertEquals(ExitCodes.ERROR, result.exitCode());
    assertEquals(1, result.errLines().size(), result.err());
    assertEquals("fleetctl: devices get: DEADLINE_EXCEEDED: no answer from server " + server.address()
        + " within 300ms (--timeout)", result.err().strip());
  }

  @Test
  void unknownOutputFormatIsAUsageError() {
    CliResult result = fleetctl("status", "--output", "bogus");

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertEquals(1, result.errLines().size(), result.err());
    assertTrue(result.err().contains("bogus"), result.err());
    assertEquals("", result.out());
    assertTrue(server.service.metadata.isEmpty(), "nothing is sent on a usage error");
  }

  @Test
  void badLabelIsAUsageErrorAndSendsNothing() {
    CliResult result = fleetctl("devices", "list", "--label", "no-equals-sign");

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertEquals(1, result.errLines().size(), result.err());
    assertTrue(server.service.listRequests.isEmpty());
  }

  @Test
  void tokenIsSentAsBearerAuthorization() {
    CliResult result = CliResult.run("--server", server.address(), "--token", "t", "status");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(Optional.of("Bearer t"), server.service.metadata.get(0).getText("authorization"));
  }

  @Test
  void noTokenSendsNoAuthorization() {
    CliResult result = fleetctl("status");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(Optional.empty(), server.service.metadata.get(0).getText("authorization"));
  }

  @Test
  void generatesShellCompletionWithoutAServer() {
    CliResult result = CliResult.run("--server", "127.0.0.1:1", "generate-completion");

    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("fleetctl"), result.out());
    assertTrue(result.out().contains("no_policy"), "completes state names");
  }
}
