package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetcontrol.wire.WireTime;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fleetctl exemptions ...} against the fake AdminService. */
class ExemptionsCommandTest {
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
    return CliResult.against(server, args);
  }

  private static void assertUsageErrorAndNothingSent(CliResult result) {
    assertEquals(ExitCodes.USAGE, result.exitCode(), result.err());
    assertEquals(1, result.errLines().size(), result.err());
    assertEquals("", result.out());
    assertTrue(server.service.requests.isEmpty(), "nothing is sent");
  }

  // ---- list ----

  @Test
  void listFollowsPagesAndPrintsEachExemptionOnce() {
    CliResult result = fleetctl("exemptions", "list");

    assertEquals(0, result.exitCode(), result.err());
    List<ListExemptionsRequest> pages = server.service.sent(ListExemptionsRequest.class);
    assertEquals(3, pages.size(), "five exemptions in pages of two");
    assertEquals(List.of("", "after-2", "after-4"), pages.stream().map(ListExemptionsRequest::getPageToken).toList());
    List<String> lines = result.out().lines().toList();
    assertEquals(1 + FakeAdminService.EXEMPTIONS.size(), lines.size(), result.out());
    assertTrue(lines.get(0).matches("ID\\s+DEVICE\\s+SCOPE\\s+REASON\\s+STATUS\\s+REQUESTED\\s+EXPIRES\\s+DECIDED BY"), lines.get(0));
    assertTrue(lines.get(1).matches("ex-1\\s+dev-01\\s+no_screenshots\\s+bandwidth\\s+requested\\s+2026-11-21T09:00:00Z\\s+-\\s+-"),
        lines.get(1));
    assertTrue(lines.get(2).matches("ex-2\\s+dev-01\\s+.*approved\\s+2026-11-21T09:00:00Z\\s+2026-12-01T00:00:00Z\\s+hr@example.com"),
        lines.get(2));
  }

  @Test
  void listSendsTheFilters() throws Exception {
    CliResult result = fleetctl("exemptions", "list", "--status", "requested", "--device", "dev-01", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    ListExemptionsRequest sent = server.service.sent(ListExemptionsRequest.class).get(0);
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_REQUESTED, sent.getStatus());
    assertEquals("dev-01", sent.getDeviceId());
    JsonNode list = JSON.readTree(result.out());
    assertEquals(1, list.get("exemptions").size());
    JsonNode e = list.get("exemptions").get(0);
    assertEquals("ex-1", e.get("exemption_id").asText());
    assertEquals("EXEMPTION_STATUS_REQUESTED", e.get("status").asText());
    assertEquals("home connection is metered", e.get("comment").asText());
    assertFalse(e.has("expire_time"), "an unset time is left out");
    assertEquals("", e.get("decided_by").asText(), "an empty string is printed");
  }

  @Test
  void listStatusMustBeAStatus() {
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "list", "--status", "pending"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "list", "--status", "unspecified"));
  }

  // ---- approve ----

  @Test
  void approveForSevenDaysSendsNowPlusSevenDays() {
    Instant before = Instant.now();
    CliResult result = fleetctl("exemptions", "approve", "ex-1", "--device", "dev-01", "--until", "7d");
    Instant after = Instant.now();

    assertEquals(0, result.exitCode(), result.err());
    ApproveExemptionRequest sent = server.service.sent(ApproveExemptionRequest.class).get(0);
    assertEquals("dev-01", sent.getDeviceId());
    assertEquals("ex-1", sent.getExemptionId());
    Instant expiry = WireTime.fromProto(sent.getExpireTime());
    Duration week = Duration.ofDays(7);
    assertTrue(!expiry.isBefore(before.plus(week)) && !expiry.isAfter(after.plus(week)),
        expiry + " is not within [" + before.plus(week) + ", " + after.plus(week) + "]");
    assertTrue(result.out().startsWith("approved dev-01/ex-1: approved until "), result.out());
  }

  @Test
  void approveUntilAnInstantTakesDeviceSlashId() {
    CliResult result = fleetctl("exemptions", "approve", "dev-02/ex-1", "--until", "2027-01-31T17:00:00Z");

    assertEquals(0, result.exitCode(), result.err());
    ApproveExemptionRequest sent = server.service.sent(ApproveExemptionRequest.class).get(0);
    assertEquals("dev-02", sent.getDeviceId());
    assertEquals("ex-1", sent.getExemptionId());
    assertEquals(Instant.parse("2027-01-31T17:00:00Z"), WireTime.fromProto(sent.getExpireTime()));
    assertEquals("approved dev-02/ex-1: approved until 2027-01-31T17:00:00Z\n", result.out());
  }

  @Test
  void approveWithAnOffsetIsTheSameInstant() {
    CliResult result = fleetctl("exemptions", "approve", "dev-02/ex-1", "--until", "2027-01-31T18:00:00+01:00");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(Instant.parse("2027-01-31T17:00:00Z"),
        WireTime.fromProto(server.service.sent(ApproveExemptionRequest.class).get(0).getExpireTime()));
  }

  @Test
  void approveAsJsonPrintsTheExemption() throws Exception {
    CliResult result = fleetctl("exemptions", "approve", "dev-01/ex-1", "--until", "12h", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode e = JSON.readTree(result.out());
    assertEquals("EXEMPTION_STATUS_APPROVED", e.get("status").asText());
    assertEquals("fake-admin", e.get("decided_by").asText());
  }

  @Test
  void badApprovalsAreUsageErrors() {
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "ex-1", "--device", "dev-01", "--until", "next week"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "ex-1", "--device", "dev-01", "--until", "-2d"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "ex-1", "--device", "dev-01"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "ex-1", "--until", "7d"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "dev-01/", "--until", "7d"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "approve", "dev-01/ex-1", "--device", "dev-02", "--until", "7d"));
  }

  @Test
  void approveOfAnUnknownExemptionExitsThree() {
    CliResult result = fleetctl("exemptions", "approve", "dev-09/ex-9", "--until", "7d");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode());
    assertEquals(List.of("fleetctl: exemptions approve: NOT_FOUND: exemption ex-9 of dev-09 does not exist"),
        result.errLines());
  }

  // ---- deny / revoke ----

  @Test
  void denySendsTheReason() {
    CliResult result = fleetctl("exemptions", "deny", "ex-1", "--device", "dev-02", "--reason", "covered by no-screenshots");

    assertEquals(0, result.exitCode(), result.err());
    DenyExemptionRequest sent = server.service.sent(DenyExemptionRequest.class).get(0);
    assertEquals("dev-02", sent.getDeviceId());
    assertEquals("ex-1", sent.getExemptionId());
    assertEquals("covered by no-screenshots", sent.getReason());
    assertEquals("denied dev-02/ex-1: denied\n", result.out());
  }

  @Test
  void denyNeedsAReason() {
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "deny", "dev-02/ex-1"));
    assertUsageErrorAndNothingSent(fleetctl("exemptions", "deny", "dev-02/ex-1", "--reason", " "));
  }

  @Test
  void revokeWithAndWithoutAReason() {
    CliResult with = fleetctl("exemptions", "revoke", "dev-01/ex-2", "--reason", "project finished");
    CliResult without = fleetctl("exemptions", "revoke", "ex-2", "--device", "dev-01");

    assertEquals(0, with.exitCode(), with.err());
    assertEquals(0, without.exitCode(), without.err());
    List<RevokeExemptionRequest> sent = server.service.sent(RevokeExemptionRequest.class);
    assertEquals("project finished", sent.get(0).getReason());
    assertEquals("", sent.get(1).getReason());
    assertEquals("dev-01", sent.get(1).getDeviceId());
    assertEquals("ex-2", sent.get(1).getExemptionId());
    assertEquals("revoked dev-01/ex-2: revoked\n", with.out());
  }
}
