package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fleetctl devices reset|revoke} against the fake AdminService; list and get are in FleetctlTest. */
class DevicesCommandTest {
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
    return CliResult.against(server, args);
  }

  @Test
  void resetSendsIdAndReasonAndSaysWhatHappened() {
    CliResult result = fleetctl("devices", "reset", FakeAdminService.KNOWN_ID, "--reason", "laptop reinstalled");

    assertEquals(0, result.exitCode(), result.err());
    List<ResetDeviceRequest> sent = server.service.sent(ResetDeviceRequest.class);
    assertEquals(1, sent.size());
    assertEquals(FakeAdminService.KNOWN_ID, sent.get(0).getDeviceId());
    assertEquals("laptop reinstalled", sent.get(0).getReason());
    assertEquals("device dev-01 reset: it may enroll again; its old credential is refused", result.out().strip());
    assertTrue(server.service.sent(RevokeDeviceRequest.class).isEmpty(), "a reset is not a revoke");
  }

  @Test
  void revokeSendsIdAndReasonAndSaysWhatHappened() {
    CliResult result = fleetctl("devices", "revoke", FakeAdminService.KNOWN_ID, "--reason", "stolen");

    assertEquals(0, result.exitCode(), result.err());
    List<RevokeDeviceRequest> sent = server.service.sent(RevokeDeviceRequest.class);
    assertEquals(1, sent.size());
    assertEquals(FakeAdminService.KNOWN_ID, sent.get(0).getDeviceId());
    assertEquals("stolen", sent.get(0).getReason());
    assertEquals("device dev-01 revoked: its stream is closed and its credential refused", result.out().strip());
    assertTrue(server.service.sent(ResetDeviceRequest.class).isEmpty(), "a revoke is not a reset");
  }

  @Test
  void theReasonIsOptional() {
    CliResult result = fleetctl("devices", "revoke", FakeAdminService.KNOWN_ID);

    assertEquals(0, result.exitCode(), result.err());
    assertEquals("", server.service.sent(RevokeDeviceRequest.class).get(0).getReason());
  }

  @Test
  void jsonIsTheResponse() throws Exception {
    CliResult result = fleetctl("devices", "reset", FakeAdminService.KNOWN_ID, "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(FakeAdminService.KNOWN_ID, new ObjectMapper().readTree(result.out()).get("device_id").asText());
  }

  @Test
  void unknownDeviceExitsThreeWithOneLine() {
    CliResult reset = fleetctl("devices", "reset", "missing");
    CliResult revoke = fleetctl("devices", "revoke", "missing");

    assertEquals(ExitCodes.NOT_FOUND, reset.exitCode());
    assertEquals(List.of("fleetctl: devices reset: NOT_FOUND: device \"missing\" is not enrolled"), reset.errLines());
    assertEquals("", reset.out());
    assertEquals(ExitCodes.NOT_FOUND, revoke.exitCode());
    assertEquals(List.of("fleetctl: devices revoke: NOT_FOUND: device \"missing\" is not enrolled"), revoke.errLines());
  }

  @Test
  void theIdIsRequired() {
    CliResult result = fleetctl("devices", "revoke");

    assertEquals(ExitCodes.USAGE, result.exitCode());
    assertEquals(1, result.errLines().size(), result.err());
    assertTrue(server.service.requests.isEmpty());
  }
}
