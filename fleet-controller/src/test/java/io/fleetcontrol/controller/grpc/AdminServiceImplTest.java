package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.admin.AuditAdmin;
import io.fleetcontrol.controller.admin.DeviceAdmin;
import io.fleetcontrol.controller.admin.EnrollmentTokenAdmin;
import io.fleetcontrol.controller.admin.ExemptionAdmin;
import io.fleetcontrol.controller.admin.FleetAdmin;
import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.admin.ServerInfoAdmin;
import io.fleetcontrol.controller.cluster.ProbeEntities;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.controller.readside.InMemoryAuditStore;
import io.fleetcontrol.controller.readside.InMemoryDeviceStore;
import io.fleetcontrol.controller.readside.InMemoryExemptionStore;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.readside.TestClock;
import io.fleetcontrol.controller.rollout.RolloutAdmin;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.proto.v1.*;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.grpc.javadsl.MetadataBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The admin edge's authorization: every call needs its permission, and a role without it is
 * PERMISSION_DENIED before any facade runs; a role with it reaches the facade (here, refusing the
 * empty request or timing out on a probe, never PERMISSION_DENIED).
 */
class AdminServiceImplTest {

  private static final ActorTestKit kit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static final Map<AdminTokens.Role, String> TOKENS = Map.of(
      AdminTokens.Role.VIEWER, "viewer-token", AdminTokens.Role.OPERATOR, "operator-token",
      AdminTokens.Role.APPROVER, "approver-token", AdminTokens.Role.ADMIN, "admin-token");

  private final AdminServiceImpl service;

  AdminServiceImplTest() {
    var callers = new java.util.HashMap<String, AdminTokens.Caller>();
    TOKENS.forEach((role, token) -> callers.put(DeviceCredential.hashSecret(token),
        new AdminTokens.Caller(role.name().toLowerCase(), role)));
    TestClock clock = new TestClock(Instant.parse("2025-03-10T09:00:00Z"));
    var devices = new InMemoryDeviceStore(clock);
    var audit = new InMemoryAuditStore();
    var known = new KnownDevices(devices, id -> CompletableFuture.completedFuture(false));
    var pageTokens = new PageTokens("test-page-token-secret");
    var entities = new ProbeEntities(kit);
    Duration ask = Duration.ofMillis(200);
    var fleet = new FleetView(devices, clock, new io.fleetcontrol.controller.readside.ConnectionRules(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(120)), java.util.Set::<String>of, Duration.ofSeconds(5));
    fleet.start(kit.system(), Duration.ofHours(1), Duration.ofHours(1));
    var policies = new PolicyAdmin(kit.system(), entities, devices, known, ask);
    service = new AdminServiceImpl(new AdminTokens(callers), new AdminServiceImpl.Facades(
        new FleetAdmin(fleet, pageTokens, ask, clock),
        new DeviceAdmin(entities, known, audit, fleet, ask, clock),
        new ExemptionAdmin(entities, known, new InMemoryExemptionStore(), pageTokens, ask, clock),
        new AuditAdmin(audit, pageTokens),
        policies,
        new RolloutAdmin(entities, policies, ask),
        new EnrollmentTokenAdmin(kit.system(), null, "fleet", new SignedSecrets("x".repeat(40)), ask, clock),
        ServerInfoAdmin.of(kit.system())));
  }

  private static Metadata as(AdminTokens.Role role) {
    return new MetadataBuilder().addText("authorization", "Bearer " + TOKENS.get(role)).build();
  }

  private static Status.Code code(CompletionStage<?> answer) {
    try {
      answer.toCompletableFuture().join();
      return Status.Code.OK;
    } catch (CompletionException e) {
      return e.getCause() instanceof GrpcServiceException g ? g.getStatus().getCode() : Status.Code.INTERNAL;
    }
  }

  /** A role without the permission is refused; one with it gets past the check. */
  private void check(BiFunction<AdminServiceImpl, Metadata, CompletionStage<?>> call, AdminTokens.Role allowed,
      AdminTokens.Role refused) {
    assertEquals(Status.Code.PERMISSION_DENIED, code(call.apply(service, as(refused))));
    Status.Code passed = code(call.apply(service, as(allowed)));
    assertNotEquals(Status.Code.PERMISSION_DENIED, passed);
    assertNotEquals(Status.Code.UNAUTHENTICATED, passed);
  }

  @Test
  void readingNeedsAnyRoleButAnUnknownOrMissingTokenIsUnauthenticated() {
    assertEquals(Status.Code.UNAUTHENTICATED, code(service.listDevices(ListDevicesRequest.getDefaultInstance(),
        new MetadataBuilder().addText("authorization", "Bearer made-up").build())));
    assertEquals(Status.Code.UNAUTHENTICATED, code(service.getFleetSummary(GetFleetSummaryRequest.getDefaultInstance(),
        new MetadataBuilder().build())));
    assertEquals(Status.Code.OK, code(service.listDevices(ListDevicesRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
    assertEquals(Status.Code.OK, code(service.listAuditEvents(ListAuditEventsRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
    assertEquals(Status.Code.OK, code(service.listExemptions(ListExemptionsRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
  }

  @Test
  void everyRoleMayAskWhichServerItReachesButNoOneWithoutAToken() {
    for (AdminTokens.Role role : AdminTokens.Role.values()) {
      assertEquals(Status.Code.OK, code(service.getServerInfo(GetServerInfoRequest.getDefaultInstance(), as(role))),
          role.name());
    }
    assertEquals(Status.Code.UNAUTHENTICATED, code(service.getServerInfo(GetServerInfoRequest.getDefaultInstance(),
        new MetadataBuilder().build())));
    assertEquals(Status.Code.UNAUTHENTICATED, code(service.getServerInfo(GetServerInfoRequest.getDefaultInstance(),
        new MetadataBuilder().addText("authorization", "Bearer made-up").build())));
  }

  @Test
  void policiesAndRolloutsNeedManagePolicies() {
    check((s, m) -> s.createPolicy(CreatePolicyRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.APPROVER);
    check((s, m) -> s.updatePolicy(UpdatePolicyRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.VIEWER);
    check((s, m) -> s.assignPolicy(AssignPolicyRequest.getDefaultInstance(), m), AdminTokens.Role.ADMIN,
        AdminTokens.Role.APPROVER);
    check((s, m) -> s.startRollout(StartRolloutRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.VIEWER);
    check((s, m) -> s.pauseRollout(PauseRolloutRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.APPROVER);
    check((s, m) -> s.resumeRollout(ResumeRolloutRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.VIEWER);
    check((s, m) -> s.abortRollout(AbortRolloutRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.VIEWER);
    check((s, m) -> s.rollbackRollout(RollbackRolloutRequest.getDefaultInstance(), m), AdminTokens.Role.OPERATOR,
        AdminTokens.Role.APPROVER);
  }

  @Test
  void exemptionDecisionsNeedDecideExemptions() {
    check((s, m) -> s.approveExemption(ApproveExemptionRequest.getDefaultInstance(), m), AdminTokens.Role.APPROVER,
        AdminTokens.Role.OPERATOR);
    check((s, m) -> s.denyExemption(DenyExemptionRequest.getDefaultInstance(), m), AdminTokens.Role.APPROVER,
        AdminTokens.Role.VIEWER);
    check((s, m) -> s.revokeExemption(RevokeExemptionRequest.getDefaultInstance(), m), AdminTokens.Role.ADMIN,
        AdminTokens.Role.OPERATOR);
  }

  @Test
  void identitiesNeedManageIdentities() {
    check((s, m) -> s.resetDevice(ResetDeviceRequest.getDefaultInstance(), m), AdminTokens.Role.ADMIN,
        AdminTokens.Role.APPROVER);
    check((s, m) -> s.revokeDevice(RevokeDeviceRequest.getDefaultInstance(), m), AdminTokens.Role.ADMIN,
        AdminTokens.Role.OPERATOR);
    check((s, m) -> s.createEnrollmentToken(CreateEnrollmentTokenRequest.getDefaultInstance(), m),
        AdminTokens.Role.ADMIN, AdminTokens.Role.APPROVER);
    check((s, m) -> s.listEnrollmentTokens(ListEnrollmentTokensRequest.newBuilder().setPageToken("x").build(), m),
        AdminTokens.Role.ADMIN, AdminTokens.Role.VIEWER);
    check((s, m) -> s.revokeEnrollmentToken(RevokeEnrollmentTokenRequest.getDefaultInstance(), m),
        AdminTokens.Role.ADMIN, AdminTokens.Role.OPERATOR);
  }

  @Test
  void aCallerWhoPassesTheCheckReachesItsFacade() {
    // The facades refuse the empty requests: proof the call got past authorization to them.
    assertEquals(Status.Code.INVALID_ARGUMENT, code(service.getDevice(GetDeviceRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(service.getPolicy(GetPolicyRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(service.getRollout(GetRolloutRequest.getDefaultInstance(),
        as(AdminTokens.Role.VIEWER))));
    assertNotNull(service);
  }
}
