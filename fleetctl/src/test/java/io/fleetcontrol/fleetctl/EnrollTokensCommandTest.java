package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.EnrollmentToken;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest;
import io.fleetcontrol.wire.WireTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fleetctl enroll-tokens ...} against the fake AdminService. */
class EnrollTokensCommandTest {
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

  private static void assertUsageErrorAndNothingSent(CliResult result, String mentions) {
    assertEquals(ExitCodes.USAGE, result.exitCode(), result.err());
    assertEquals(1, result.errLines().size(), result.err());
    assertTrue(result.err().contains(mentions), result.err());
    assertEquals("", result.out());
    assertTrue(server.service.requests.isEmpty(), "nothing is sent");
  }

  // ---- create ----

  @Test
  void createSendsUsesExpiryLabelsAndJurisdiction() {
    Instant before = Instant.now();
    CliResult result = fleetctl("enroll-tokens", "create", "--uses", "25", "--expires", "7d",
        "--label", "team=sales", "--label", "site=berlin", "--jurisdiction", "de");
    Instant after = Instant.now();

    assertEquals(0, result.exitCode(), result.err());
    List<CreateEnrollmentTokenRequest> sent = server.service.sent(CreateEnrollmentTokenRequest.class);
    assertEquals(1, sent.size());
    CreateEnrollmentTokenRequest request = sent.get(0);
    assertEquals(25, request.getMaxUses());
    Instant expiry = WireTime.fromProto(request.getExpireTime());
    // Truncated to the second, so up to a second before "before + 7d".
    assertFalse(expiry.isBefore(before.plus(Duration.ofDays(7)).minusSeconds(1)), expiry.toString());
    assertFalse(expiry.isAfter(after.plus(Duration.ofDays(7))), expiry.toString());
    assertEquals(Map.of("team", "sales", "site", "berlin"), request.getLabelsMap());
    assertEquals("DE", request.getJurisdiction());
  }

  @Test
  void createPrintsTheSecretFirstAndOnlyOnce() {
    CliResult result = fleetctl("enroll-tokens", "create", "--uses", "3", "--expires", "24h", "--label", "team=ops");

    assertEquals(0, result.exitCode(), result.err());
    List<String> lines = result.out().lines().toList();
    assertEquals("token:        et-new4.s3cr3t", lines.get(0), result.out());
    assertTrue(lines.contains("id:           et-new4"), result.out());
    assertTrue(lines.contains("uses:         0/3"), result.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("expires: +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")), result.out());
    assertTrue(lines.contains("labels:       team=ops"), result.out());
    assertFalse(result.out().contains("jurisdiction:"), "no jurisdiction line when none was set: " + result.out());
    assertEquals(1, result.out().split("s3cr3t", -1).length - 1, "the secret appears once: " + result.out());
    assertTrue(result.out().contains("not shown again"), result.out());
    assertEquals("", result.err());
  }

  @Test
  void createJsonIsTheWholeResponse() throws Exception {
    CliResult result = fleetctl("enroll-tokens", "create", "--uses", "2", "--expires", "1h", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode out = JSON.readTree(result.out());
    assertEquals("et-new4.s3cr3t", out.get("secret_token").asText());
    JsonNode token = out.get("enrollment_token");
    assertEquals("et-new4", token.get("token_id").asText());
    assertTrue(token.get("max_uses").isNumber());
    assertEquals(2, token.get("max_uses").asInt());
    assertEquals(0, token.get("used").asInt());
    assertEquals("", token.get("jurisdiction").asText(), "an empty string is printed");
    assertTrue(Instant.parse(token.get("expire_time").asText()).isAfter(Instant.now()));
  }

  @Test
  void createYamlCarriesTheSecret() throws Exception {
    CliResult result = fleetctl("-o", "yaml", "enroll-tokens", "create", "--uses", "1", "--expires", "30m");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode out = new YAMLMapper().readTree(result.out());
    assertEquals("et-new4.s3cr3t", out.get("secret_token").asText());
    assertEquals(1, out.get("enrollment_token").get("max_uses").asInt());
  }

  @Test
  void createChecksItsOptionsBeforeSendingAnything() {
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "0", "--expires", "7d"),
        "--uses must be at least 1, got 0");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--expires", "7d"), "--uses");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "5"), "--expires");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "5", "--expires", "soon"), "soon");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "5", "--expires", "-1d"), "-1d");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "5", "--expires", "7d",
        "--label", "no-equals"), "--label must be KEY=VALUE, got 'no-equals'");
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "create", "--uses", "5", "--expires", "7d",
        "--label", "team=a", "--label", "team=b"), "--label team is given twice");
  }

  // ---- list ----

  @Test
  void listFollowsPagesAndShowsEachState() {
    CliResult result = fleetctl("enroll-tokens", "list");

    assertEquals(0, result.exitCode(), result.err());
    List<ListEnrollmentTokensRequest> pages = server.service.sent(ListEnrollmentTokensRequest.class);
    assertEquals(List.of("", "2"), pages.stream().map(ListEnrollmentTokensRequest::getPageToken).toList(),
        "four tokens in pages of two");
    assertEquals(EnrollTokensCommand.PAGE_SIZE, pages.get(0).getPageSize());
    List<String> lines = result.out().lines().toList();
    assertEquals(5, lines.size(), result.out());
    assertTrue(lines.get(0).matches("ID\\s+USES\\s+EXPIRES\\s+LABELS\\s+JURISDICTION\\s+STATE\\s+CREATED BY"), lines.get(0));
    assertTrue(lines.get(1).matches("et-active\\s+3/50\\s+\\S+Z\\s+os=mac,team=sales\\s+DE\\s+active\\s+admin@example.com"),
        lines.get(1));
    assertTrue(lines.get(2).matches("et-expired\\s+1/10\\s+\\S+Z\\s+-\\s+-\\s+expired\\s+admin@example.com"), lines.get(2));
    assertTrue(lines.get(3).matches("et-revoked\\s+2/10\\s+.*\\srevoked\\s+admin@example.com"), lines.get(3));
    assertTrue(lines.get(4).matches("et-usedup\\s+5/5\\s+.*\\sused_up\\s+admin@example.com"), lines.get(4));
  }

  @Test
  void listJsonHasEveryTokenAndTheCount() throws Exception {
    CliResult result = fleetctl("enroll-tokens", "list", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode out = JSON.readTree(result.out());
    assertEquals(4, out.get("enrollment_tokens").size());
    JsonNode active = out.get("enrollment_tokens").get(0);
    assertEquals("et-active", active.get("token_id").asText());
    assertEquals("sales", active.get("labels").get("team").asText());
    assertEquals("DE", active.get("jurisdiction").asText());
    assertEquals("2026-11-20T10:00:00Z", active.get("create_time").asText());
    assertFalse(active.get("revoked").asBoolean());
    JsonNode revoked = out.get("enrollment_tokens").get(2);
    assertTrue(revoked.get("revoked").asBoolean());
    assertEquals(FakeAdminService.CREATED_BY, revoked.get("revoked_by").asText());
  }

  @Test
  void stateWeighsRevokedOverExpiredOverUsedUp() {
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    EnrollmentToken token = EnrollmentToken.newBuilder().setMaxUses(2).setUsed(1)
        .setExpireTime(WireTime.toProto(now.plusSeconds(60))).build();

    assertEquals("active", EnrollTokensCommand.state(token, now));
    assertEquals("used_up", EnrollTokensCommand.state(token.toBuilder().setUsed(2).build(), now));
    assertEquals("expired", EnrollTokensCommand.state(token.toBuilder().setUsed(2).build(), now.plusSeconds(60)));
    assertEquals("revoked", EnrollTokensCommand.state(token.toBuilder().setRevoked(true).build(), now.plusSeconds(60)));
  }

  // ---- revoke ----

  @Test
  void revokeSendsTheIdAndSaysWhatHappened() {
    CliResult result = fleetctl("enroll-tokens", "revoke", "et-active");

    assertEquals(0, result.exitCode(), result.err());
    assertEquals(List.of("et-active"),
        server.service.sent(RevokeEnrollmentTokenRequest.class).stream().map(RevokeEnrollmentTokenRequest::getTokenId).toList());
    assertEquals("enrollment token et-active revoked after 3 of 50 uses", result.out().strip());
  }

  @Test
  void revokeJsonIsTheRevokedToken() throws Exception {
    CliResult result = fleetctl("enroll-tokens", "revoke", "et-usedup", "-o", "json");

    assertEquals(0, result.exitCode(), result.err());
    JsonNode token = JSON.readTree(result.out());
    assertEquals("et-usedup", token.get("token_id").asText());
    assertTrue(token.get("revoked").asBoolean());
  }

  @Test
  void revokeUnknownIsNotFound() {
    CliResult result = fleetctl("enroll-tokens", "revoke", "et-nope");

    assertEquals(ExitCodes.NOT_FOUND, result.exitCode(), result.err());
    assertEquals(List.of("fleetctl: enroll-tokens revoke: NOT_FOUND: enrollment token et-nope does not exist"),
        result.errLines());
  }

  @Test
  void revokeRefusesTheSecretTokenAndDoesNotSendIt() {
    assertUsageErrorAndNothingSent(fleetctl("enroll-tokens", "revoke", "et-active.s3cr3t"), "not the secret token");
  }
}
