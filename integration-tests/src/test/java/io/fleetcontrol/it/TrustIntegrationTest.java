package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.*;
import io.fleetcontrol.tls.PemFiles;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.grpc.javadsl.SingleResponseRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller on a network an attacker shares, on the real Cassandra with TLS on: who may talk
 * to it, who may speak for a device, who may do what. Each test is one thing an attacker or a
 * careless admin would try.
 */
class TrustIntegrationTest {

  private static FleetHarness harness;

  @BeforeAll
  static void start() {
    harness = new FleetHarness();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static <T> T await(CompletionStage<T> call) throws Exception {
    return call.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Status.Code failure(CompletionStage<?> call) throws Exception {
    try {
      call.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
    throw new AssertionError("the call succeeded");
  }

  private static StatusRuntimeException refusal(CompletionStage<?> call) throws Exception {
    try {
      call.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (StatusRuntimeException) e.getCause();
    }
    throw new AssertionError("the call succeeded");
  }

  private static <Q, R> SingleResponseRequestBuilder<Q, R> as(String role, SingleResponseRequestBuilder<Q, R> rpc) {
    return rpc.addHeader("authorization", "Bearer dev-" + role + "-token");
  }

  private static EnrollRequest.Builder enrollment(String deviceId, String token) {
    return EnrollRequest.newBuilder()
        .setEnrollmentToken(token)
        .setEnrollmentId(UUID.randomUUID().toString())
        .setDeviceId(deviceId)
        .setOwner(deviceId + "@example.com")
        .setJurisdiction("US")
        .setTimeZone("UTC");
  }

  private static Timestamp in(Duration d) {
    return Timestamp.newBuilder().setSeconds(Instant.now().plus(d).getEpochSecond()).build();
  }

  private static List<AuditEvent> audit(String action) throws Exception {
    return await(as("admin", harness.admin.listAuditEvents())
        .invoke(ListAuditEventsRequest.newBuilder().setAction(action).setPageSize(100).build())).getEventsList();
  }

  // ---- transport ----

  @Test
  void aPlaintextClientIsRefusedByTheTlsController() throws Exception {
    var plain = AdminServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", harness.grpcPort, harness.clientSystem)
            .withTls(false).withConnectionAttempts(1), harness.clientSystem);
    try {
      assertEquals(Status.Code.UNAVAILABLE,
          failure(as("admin", plain.getFleetSummary()).invoke(GetFleetSummaryRequest.getDefaultInstance())));
    } finally {
      plain.close();
    }
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheController() throws Exception {
    var wrongCa = AgentServiceClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", harness.grpcPort, harness.clientSystem)
            .withTls(true).withTrustManager(PemFiles.trustManager(TestTls.otherCa())).withConnectionAttempts(1),
        harness.clientSystem);
    try {
      StatusRuntimeException refused = refusal(wrongCa.enroll(enrollment("wrong-ca-1", harness.enrollmentToken).build()));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
      Throwable cause = refused;
      boolean handshake = false;
      while (cause != null) {
        handshake |= cause instanceof javax.net.ssl.SSLException;
        cause = cause.getCause();
      }
      assertTrue(handshake, "refused in the TLS handshake: " + refused);
    } finally {
      wrongCa.close();
    }
    // Nothing reached the controller: the id is still free.
    assertEquals(Status.Code.NOT_FOUND, failure(as("admin", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("wrong-ca-1").build())));
  }

  // ---- device identity ----

  @Test
  void connectWithoutOrWithAForgedCredentialIsUnauthenticated() throws Exception {
    String real = await(harness.agentClient.enroll(enrollment("ident-1", harness.enrollmentToken).build()))
        .getDeviceCredential();
    String forged = real.substring(0, real.lastIndexOf('.') + 1) + "A".repeat(43);
    for (String credential : List.of("", forged, "ident-1.made-up.nonsense")) {
      try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "ident-1", credential)) {
        StatusRuntimeException refused = refusal(stream.ended);
        assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), credential);
      }
    }
  }

  @Test
  void enrollingALiveIdIsAlreadyExistsAndTheLiveAgentKeepsItsStream() throws Exception {
    EnrollRequest first = enrollment("victim-1", harness.enrollmentToken).build();
    String credential = await(harness.agentClient.enroll(first)).getDeviceCredential();
    assertEquals(credential, await(harness.agentClient.enroll(first)).getDeviceCredential(),
        "the same enrollment id again gets the same credential");
    try (RawAgentStream live = new RawAgentStream(harness.agentClient, harness.clientSystem, "victim-1", credential)) {
      live.applyPolicy();

      StatusRuntimeException refused = refusal(harness.agentClient.enroll(
          enrollment("victim-1", harness.enrollmentToken).setOwner("mallory@example.com").build()));
      assertEquals(Status.Code.ALREADY_EXISTS, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().contains("devices reset victim-1"), refused.getMessage());

      // The live stream still speaks for the device.
      String id = live.send(ConnectRequest.newBuilder().setPauseRequest(PauseRequest.newBuilder()
          .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(60))));
      assertTrue(live.ackOf(id).getRequestAck().getAccepted());
      assertFalse(live.ended.toCompletableFuture().isDone());
    }
    Device device = await(as("admin", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("victim-1").build())).getDevice();
    assertEquals("victim-1@example.com", device.getOwner());
    Eventually.within(Duration.ofSeconds(30), () -> assertTrue(audit("enrollment.refused").stream()
        .anyMatch(e -> e.getDeviceId().equals("victim-1") && e.getActor().startsWith("peer:127.0.0.1:")),
        "the refusal is audited with the caller's address"));
  }

  @Test
  void aRekeyWithTheCurrentCredentialNeedsNoTokenAndRetiresTheOldOne() throws Exception {
    String old = await(harness.agentClient.enroll(enrollment("rekey-1", harness.enrollmentToken).build()))
        .getDeviceCredential();
    String fresh = await(harness.agentClient.enroll().addHeader("authorization", "Bearer " + old)
        .invoke(enrollment("rekey-1", "").build())).getDeviceCredential();
    assertNotEquals(old, fresh);
    try (RawAgentStream stale = new RawAgentStream(harness.agentClient, harness.clientSystem, "rekey-1", old)) {
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(stale.ended).getStatus().getCode());
    }
    try (RawAgentStream current = new RawAgentStream(harness.agentClient, harness.clientSystem, "rekey-1", fresh)) {
      current.applyPolicy();
    }
  }

  @Test
  void afterAResetTheOldIdentityIsClosedAndRefusedAndANewEnrollmentWorks() throws Exception {
    EnrollRequest oldLaptop = enrollment("reset-1", harness.enrollmentToken).build();
    String old = await(harness.agentClient.enroll(oldLaptop)).getDeviceCredential();
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "reset-1", old)) {
      stream.applyPolicy();
      Instant asked = Instant.now();
      await(as("admin", harness.admin.resetDevice())
          .invoke(ResetDeviceRequest.newBuilder().setDeviceId("reset-1").setReason("new laptop").build()));
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(stream.ended).getStatus().getCode());
      System.out.println("reset-1: stream closed " + Duration.between(asked, Instant.now()).toMillis()
          + " ms after the reset was asked");
    }
    // The old laptop gets nothing back: not with its enrollment, not with its old credential.
    assertEquals(Status.Code.FAILED_PRECONDITION, failure(harness.agentClient.enroll(oldLaptop)));
    assertEquals(Status.Code.ALREADY_EXISTS, failure(harness.agentClient.enroll()
        .addHeader("authorization", "Bearer " + old).invoke(enrollment("reset-1", "").build())));
    assertEquals(IdentityState.IDENTITY_STATE_RESET, await(as("viewer", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("reset-1").build())).getDevice().getIdentityState());
    String fresh = await(harness.agentClient.enroll(enrollment("reset-1", harness.enrollmentToken).build()))
        .getDeviceCredential();
    assertEquals(IdentityState.IDENTITY_STATE_ACTIVE, await(as("viewer", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("reset-1").build())).getDevice().getIdentityState());
    try (RawAgentStream stale = new RawAgentStream(harness.agentClient, harness.clientSystem, "reset-1", old)) {
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(stale.ended).getStatus().getCode());
    }
    try (RawAgentStream current = new RawAgentStream(harness.agentClient, harness.clientSystem, "reset-1", fresh)) {
      current.applyPolicy();
    }
    Eventually.within(Duration.ofSeconds(30), () -> assertTrue(audit("device.reset").stream()
        .anyMatch(e -> e.getDeviceId().equals("reset-1") && e.getActor().equals("dev-admin"))));
  }

  @Test
  void aRevokedDeviceLosesItsStreamAndCannotEnrollAgain() throws Exception {
    String credential = await(harness.agentClient.enroll(enrollment("stolen-1", harness.enrollmentToken).build()))
        .getDeviceCredential();
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "stolen-1", credential)) {
      stream.applyPolicy();
      Instant asked = Instant.now();
      await(as("admin", harness.admin.revokeDevice())
          .invoke(RevokeDeviceRequest.newBuilder().setDeviceId("stolen-1").setReason("laptop stolen").build()));
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(stream.ended).getStatus().getCode());
      System.out.println("stolen-1: stream closed " + Duration.between(asked, Instant.now()).toMillis()
          + " ms after the revoke was asked");
    }
    assertEquals(Status.Code.FAILED_PRECONDITION,
        failure(harness.agentClient.enroll(enrollment("stolen-1", harness.enrollmentToken).build())));
    assertEquals(IdentityState.IDENTITY_STATE_REVOKED, await(as("viewer", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("stolen-1").build())).getDevice().getIdentityState());
    Eventually.within(Duration.ofSeconds(30), () -> assertTrue(audit("device.revoked").stream()
        .anyMatch(e -> e.getDeviceId().equals("stolen-1") && e.getDetail().contains("laptop stolen"))));
  }

  // ---- enrollment tokens ----

  @Test
  void aTokenEnrollsAsManyDevicesAsItHasUsesAndGivesItsLabelsAndJurisdiction() throws Exception {
    var created = await(as("admin", harness.admin.createEnrollmentToken()).invoke(
        CreateEnrollmentTokenRequest.newBuilder().setMaxUses(2).setExpireTime(in(Duration.ofDays(1)))
            .putLabels("batch", "berlin-office").setJurisdiction("DE").build()));
    String token = created.getSecretToken();
    assertFalse(token.isEmpty());
    await(harness.agentClient.enroll(enrollment("batch-1", token).build()));
    await(harness.agentClient.enroll(enrollment("batch-2", token).build()));
    StatusRuntimeException third = refusal(harness.agentClient.enroll(enrollment("batch-3", token).build()));
    assertEquals(Status.Code.PERMISSION_DENIED, third.getStatus().getCode());
    assertTrue(third.getStatus().getDescription().contains("no uses left"), third.getMessage());

    Device device = await(as("admin", harness.admin.getDevice())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("batch-1").build())).getDevice();
    assertEquals("DE", device.getJurisdiction(), "the token's jurisdiction wins over the laptop's");
    assertEquals("berlin-office", device.getLabelsMap().get("batch"));

    var listed = await(as("admin", harness.admin.listEnrollmentTokens())
        .invoke(ListEnrollmentTokensRequest.getDefaultInstance())).getEnrollmentTokensList().stream()
        .filter(t -> t.getTokenId().equals(created.getEnrollmentToken().getTokenId())).findFirst().orElseThrow();
    assertEquals(2, listed.getUsed());
    assertFalse(token.contains(listed.getTokenId() + ".") && listed.toString().contains(token),
        "a listing never shows the secret");
  }

  @Test
  void revokedExpiredAndMadeUpTokensAreRefusedAndTheChangesAreAudited() throws Exception {
    var created = await(as("admin", harness.admin.createEnrollmentToken()).invoke(
        CreateEnrollmentTokenRequest.newBuilder().setMaxUses(10).setExpireTime(in(Duration.ofDays(1))).build()));
    String tokenId = created.getEnrollmentToken().getTokenId();
    await(as("admin", harness.admin.revokeEnrollmentToken())
        .invoke(RevokeEnrollmentTokenRequest.newBuilder().setTokenId(tokenId).build()));
    assertEquals(Status.Code.PERMISSION_DENIED,
        failure(harness.agentClient.enroll(enrollment("late-1", created.getSecretToken()).build())));

    var shortLived = await(as("admin", harness.admin.createEnrollmentToken()).invoke(
        CreateEnrollmentTokenRequest.newBuilder().setMaxUses(10).setExpireTime(in(Duration.ofSeconds(2))).build()));
    Thread.sleep(3000);
    StatusRuntimeException expired = refusal(harness.agentClient.enroll(enrollment("late-2", shortLived.getSecretToken()).build()));
    assertEquals(Status.Code.PERMISSION_DENIED, expired.getStatus().getCode());
    assertTrue(expired.getStatus().getDescription().contains("expired"), expired.getMessage());

    // A token with a forged MAC never reaches an entity; a token id alone is no token.
    assertEquals(Status.Code.UNAUTHENTICATED,
        failure(harness.agentClient.enroll(enrollment("late-3", tokenId + ".forged").build())));
    assertEquals(Status.Code.UNAUTHENTICATED, failure(harness.agentClient.enroll(enrollment("late-4", tokenId).build())));
    assertEquals(Status.Code.NOT_FOUND, failure(as("admin", harness.admin.revokeEnrollmentToken())
        .invoke(RevokeEnrollmentTokenRequest.newBuilder().setTokenId("et-000000000000").build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, failure(as("admin", harness.admin.createEnrollmentToken())
        .invoke(CreateEnrollmentTokenRequest.newBuilder().setMaxUses(0).setExpireTime(in(Duration.ofDays(1))).build())));

    Eventually.within(Duration.ofSeconds(30), () -> {
      assertTrue(audit("token.created").stream().anyMatch(e -> e.getDetail().startsWith(tokenId)));
      assertTrue(audit("token.revoked").stream().anyMatch(e -> e.getDetail().equals(tokenId)
          && e.getActor().equals("dev-admin")));
    });
  }

  // ---- who may do what ----

  /** Every AdminService call, with a request that changes nothing whoever makes it (unknown ids, bad input). */
  private static final Map<String, BiFunction<String, AdminServiceClient, CompletionStage<?>>> CALLS = Map.ofEntries(
      Map.entry("GetFleetSummary", (r, c) -> as(r, c.getFleetSummary()).invoke(GetFleetSummaryRequest.getDefaultInstance())),
      Map.entry("ListDevices", (r, c) -> as(r, c.listDevices()).invoke(ListDevicesRequest.getDefaultInstance())),
      Map.entry("GetDevice", (r, c) -> as(r, c.getDevice()).invoke(GetDeviceRequest.newBuilder().setDeviceId("nobody").build())),
      Map.entry("CreatePolicy", (r, c) -> as(r, c.createPolicy()).invoke(CreatePolicyRequest.getDefaultInstance())),
      Map.entry("UpdatePolicy", (r, c) -> as(r, c.updatePolicy()).invoke(UpdatePolicyRequest.getDefaultInstance())),
      Map.entry("GetPolicy", (r, c) -> as(r, c.getPolicy()).invoke(GetPolicyRequest.newBuilder().setName("default").build())),
      Map.entry("ListPolicies", (r, c) -> as(r, c.listPolicies()).invoke(ListPoliciesRequest.getDefaultInstance())),
      Map.entry("AssignPolicy", (r, c) -> as(r, c.assignPolicy()).invoke(AssignPolicyRequest.getDefaultInstance())),
      Map.entry("StartRollout", (r, c) -> as(r, c.startRollout()).invoke(StartRolloutRequest.getDefaultInstance())),
      Map.entry("GetRollout", (r, c) -> as(r, c.getRollout()).invoke(GetRolloutRequest.newBuilder().setRolloutId("default-999").build())),
      Map.entry("ListRollouts", (r, c) -> as(r, c.listRollouts()).invoke(ListRolloutsRequest.newBuilder().setPolicyName("default").build())),
      Map.entry("PauseRollout", (r, c) -> as(r, c.pauseRollout()).invoke(PauseRolloutRequest.newBuilder().setRolloutId("default-999").build())),
      Map.entry("ResumeRollout", (r, c) -> as(r, c.resumeRollout()).invoke(ResumeRolloutRequest.newBuilder().setRolloutId("default-999").build())),
      Map.entry("AbortRollout", (r, c) -> as(r, c.abortRollout()).invoke(AbortRolloutRequest.newBuilder().setRolloutId("default-999").build())),
      Map.entry("RollbackRollout", (r, c) -> as(r, c.rollbackRollout()).invoke(RollbackRolloutRequest.newBuilder().setRolloutId("default-999").build())),
      Map.entry("ListExemptions", (r, c) -> as(r, c.listExemptions()).invoke(ListExemptionsRequest.getDefaultInstance())),
      Map.entry("ApproveExemption", (r, c) -> as(r, c.approveExemption()).invoke(ApproveExemptionRequest.getDefaultInstance())),
      Map.entry("DenyExemption", (r, c) -> as(r, c.denyExemption()).invoke(DenyExemptionRequest.getDefaultInstance())),
      Map.entry("RevokeExemption", (r, c) -> as(r, c.revokeExemption()).invoke(RevokeExemptionRequest.getDefaultInstance())),
      Map.entry("ListAuditEvents", (r, c) -> as(r, c.listAuditEvents()).invoke(ListAuditEventsRequest.getDefaultInstance())),
      Map.entry("ResetDevice", (r, c) -> as(r, c.resetDevice()).invoke(ResetDeviceRequest.newBuilder().setDeviceId("nobody").build())),
      Map.entry("RevokeDevice", (r, c) -> as(r, c.revokeDevice()).invoke(RevokeDeviceRequest.newBuilder().setDeviceId("nobody").build())),
      Map.entry("CreateEnrollmentToken", (r, c) -> as(r, c.createEnrollmentToken()).invoke(CreateEnrollmentTokenRequest.getDefaultInstance())),
      Map.entry("ListEnrollmentTokens", (r, c) -> as(r, c.listEnrollmentTokens()).invoke(ListEnrollmentTokensRequest.getDefaultInstance())),
      Map.entry("RevokeEnrollmentToken", (r, c) -> as(r, c.revokeEnrollmentToken()).invoke(RevokeEnrollmentTokenRequest.getDefaultInstance())),
      Map.entry("GetServerInfo", (r, c) -> as(r, c.getServerInfo()).invoke(GetServerInfoRequest.getDefaultInstance())));

  private static final List<String> ROLES = List.of("viewer", "operator", "approver", "admin");

  /** The role matrix: Y allowed, - PERMISSION_DENIED; columns viewer, operator, approver, admin. */
  private static final Map<String, String> MAY = Map.ofEntries(
      Map.entry("GetFleetSummary",       "YYYY"),
      Map.entry("ListDevices",           "YYYY"),
      Map.entry("GetDevice",             "YYYY"),
      Map.entry("CreatePolicy",          "-Y-Y"),
      Map.entry("UpdatePolicy",          "-Y-Y"),
      Map.entry("GetPolicy",             "YYYY"),
      Map.entry("ListPolicies",          "YYYY"),
      Map.entry("AssignPolicy",          "-Y-Y"),
      Map.entry("StartRollout",          "-Y-Y"),
      Map.entry("GetRollout",            "YYYY"),
      Map.entry("ListRollouts",          "YYYY"),
      Map.entry("PauseRollout",          "-Y-Y"),
      Map.entry("ResumeRollout",         "-Y-Y"),
      Map.entry("AbortRollout",          "-Y-Y"),
      Map.entry("RollbackRollout",       "-Y-Y"),
      Map.entry("ListExemptions",        "YYYY"),
      Map.entry("ApproveExemption",      "--YY"),
      Map.entry("DenyExemption",         "--YY"),
      Map.entry("RevokeExemption",       "--YY"),
      Map.entry("ListAuditEvents",       "YYYY"),
      Map.entry("ResetDevice",           "---Y"),
      Map.entry("RevokeDevice",          "---Y"),
      Map.entry("CreateEnrollmentToken", "---Y"),
      Map.entry("ListEnrollmentTokens",  "---Y"),
      Map.entry("RevokeEnrollmentToken", "---Y"),
      Map.entry("GetServerInfo",         "YYYY"));

  @Test
  void everyCallForEveryRoleIsAllowedOrPermissionDeniedAsTheMatrixSays() throws Exception {
    assertEquals(AdminService.description.descriptor().findServiceByName("AdminService").getMethods().size(), CALLS.size(),
        "the matrix covers every AdminService method");
    assertEquals(CALLS.keySet(), MAY.keySet());
    StringBuilder wrong = new StringBuilder();
    for (var call : CALLS.entrySet()) {
      for (int r = 0; r < ROLES.size(); r++) {
        boolean allowed = MAY.get(call.getKey()).charAt(r) == 'Y';
        Status.Code code;
        try {
          await(call.getValue().apply(ROLES.get(r), harness.admin));
          code = Status.Code.OK;
        } catch (ExecutionException e) {
          code = Status.fromThrowable(e.getCause()).getCode();
        }
        boolean denied = code == Status.Code.PERMISSION_DENIED;
        if (allowed == denied || code == Status.Code.UNAUTHENTICATED || code == Status.Code.INTERNAL
            || code == Status.Code.UNKNOWN) {
          wrong.append(call.getKey()).append(" as ").append(ROLES.get(r)).append(": ").append(code).append('\n');
        }
      }
    }
    assertEquals("", wrong.toString());
    assertEquals(Status.Code.UNAUTHENTICATED, failure(harness.admin.getFleetSummary()
        .addHeader("authorization", "Bearer dev-admin-token-guess").invoke(GetFleetSummaryRequest.getDefaultInstance())));
  }

  @Test
  void aViewerLearnsWhichNodeAndBuildAnsweredAndNoOneWithoutAToken() throws Exception {
    GetServerInfoResponse info = await(as("viewer", harness.admin.getServerInfo())
        .invoke(GetServerInfoRequest.getDefaultInstance()));
    assertEquals(io.fleetcontrol.build.BuildInfo.current().version(), info.getVersion());
    assertEquals("fleet.v1", info.getApiVersion());
    assertEquals(harness.controllerSystem().address().toString(), info.getNodeAddress());
    assertTrue(info.getNodeAddress().startsWith("pekko://fleet@127.0.0.1:"), "the cluster address: " + info.getNodeAddress());
    assertEquals(harness.controllerSystem().startTime(), io.fleetcontrol.wire.WireTime.fromProto(info.getStartTime())
        .toEpochMilli());
    assertEquals(Status.Code.UNAUTHENTICATED,
        failure(harness.admin.getServerInfo().invoke(GetServerInfoRequest.getDefaultInstance())));
  }

  @Test
  void onlyApproversAndAdminsReadWhatAnEmployeeWrote() throws Exception {
    String credential = await(harness.agentClient.enroll(enrollment("private-1", harness.enrollmentToken).build()))
        .getDeviceCredential();
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "private-1", credential)) {
      stream.applyPolicy();
      String id = stream.send(ConnectRequest.newBuilder().setExemptionRequest(ExemptionRequest.newBuilder()
          .setScope(ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS)
          .setReason(ExemptionReason.EXEMPTION_REASON_OTHER)
          .setComment("therapy appointments on Tuesdays")));
      assertTrue(stream.ackOf(id).getRequestAck().getAccepted());
    }
    ListExemptionsRequest mine = ListExemptionsRequest.newBuilder().setDeviceId("private-1").build();
    Eventually.within(Duration.ofSeconds(30), () -> assertEquals("therapy appointments on Tuesdays",
        await(as("approver", harness.admin.listExemptions()).invoke(mine)).getExemptions(0).getComment()));
    for (String role : List.of("viewer", "operator")) {
      var seen = await(as(role, harness.admin.listExemptions()).invoke(mine)).getExemptions(0);
      assertEquals("", seen.getComment(), role);
      assertEquals(ExemptionReason.EXEMPTION_REASON_OTHER, seen.getReason(), "the request itself is visible");
      var device = await(as(role, harness.admin.getDevice())
          .invoke(GetDeviceRequest.newBuilder().setDeviceId("private-1").build()));
      assertFalse(device.toString().contains("therapy"), role + " reads the device without the comment");
    }
    Eventually.within(Duration.ofSeconds(30), () -> {
      var trail = await(as("viewer", harness.admin.listAuditEvents())
          .invoke(ListAuditEventsRequest.newBuilder().setDeviceId("private-1").build())).getEventsList();
      assertTrue(trail.stream().anyMatch(e -> e.getAction().equals("exemption.requested")), trail.toString());
      assertTrue(trail.stream().noneMatch(e -> e.getDetail().contains("therapy")), "no employee text in the trail");
    });
  }
}
