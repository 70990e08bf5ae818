package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.admin.AuditAdmin;
import io.fleetcontrol.controller.admin.DeviceAdmin;
import io.fleetcontrol.controller.admin.EnrollmentTokenAdmin;
import io.fleetcontrol.controller.admin.ExemptionAdmin;
import io.fleetcontrol.controller.admin.FleetAdmin;
import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.admin.ServerInfoAdmin;
import io.fleetcontrol.controller.rollout.RolloutAdmin;
import io.fleetcontrol.controller.security.AdminTokens.Caller;
import io.fleetcontrol.controller.security.AdminTokens.Permission;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.proto.v1.*;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/**
 * Admins' edge: checks the caller's admin token for the permission each call needs, then hands the
 * call to the facade of its noun (fleet, devices, exemptions, audit, policies, rollouts,
 * enrollment tokens, the server itself). A refusal thrown while a call is checked becomes its
 * failed answer.
 */
public final class AdminServiceImpl implements AdminServicePowerApi {

  /** The facades behind the admin API, one per noun. */
  public record Facades(
      FleetAdmin fleet,
      DeviceAdmin devices,
      ExemptionAdmin exemptions,
      AuditAdmin audit,
      PolicyAdmin policies,
      RolloutAdmin rollouts,
      EnrollmentTokenAdmin enrollmentTokens,
      ServerInfoAdmin server) {}

  /** Who makes a call: from its bearer token on the gRPC API, or a signed-in dashboard session. */
  private final Function<Metadata, Caller> callers;
  private final Facades to;

  public AdminServiceImpl(AdminTokens adminTokens, Facades facades) {
    this(adminTokens::authenticate, facades);
  }

  private AdminServiceImpl(Function<Metadata, Caller> callers, Facades facades) {
    this.callers = callers;
    this.to = facades;
  }

  /**
   * The same service for a caller already authenticated another way (the dashboard's session):
   * every call still checks that caller's permission and goes to the same facades.
   */
  public AdminServicePowerApi forCaller(Caller caller) {
    return new AdminServiceImpl(metadata -> caller, to);
  }

  /** Runs {@code call} for a caller with {@code needed}; synchronous refusals become failed answers. */
  private <T> CompletionStage<T> as(Metadata metadata, Permission needed, Function<Caller, CompletionStage<T>> call) {
    try {
      Caller caller = callers.apply(metadata);
      // Named before the permission check, so the access log says who was refused.
      AdminAccessLog.identify(caller.name());
      return call.apply(AdminTokens.requirePermission(caller, needed));
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- fleet and devices ----

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(GetFleetSummaryRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.fleet().summary());
  }

  @Override
  public CompletionStage<ListDevicesResponse> listDevices(ListDevicesRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.fleet().list(in));
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.devices().get(in, caller));
  }

  @Override
  public CompletionStage<ResetDeviceResponse> resetDevice(ResetDeviceRequest in, Metadata m) {
    return as(m, Permission.MANAGE_IDENTITIES, caller -> to.devices().reset(in, caller.name()));
  }

  @Override
  public CompletionStage<RevokeDeviceResponse> revokeDevice(RevokeDeviceRequest in, Metadata m) {
    return as(m, Permission.MANAGE_IDENTITIES, caller -> to.devices().revoke(in, caller.name()));
  }

  // ---- audit ----

  @Override
  public CompletionStage<ListAuditEventsResponse> listAuditEvents(ListAuditEventsRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.audit().list(in));
  }

  // ---- policies ----

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.policies().create(in, caller.name()));
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.policies().update(in, caller.name()));
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.policies().get(in));
  }

  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.policies().list(in));
  }

  @Override
  public CompletionStage<AssignPolicyResponse> assignPolicy(AssignPolicyRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.policies().assign(in, caller.name()));
  }

  // ---- exemptions ----

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.exemptions().list(in, caller));
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(ApproveExemptionRequest in, Metadata m) {
    return as(m, Permission.DECIDE_EXEMPTIONS, caller -> to.exemptions().approve(in, caller.name()));
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata m) {
    return as(m, Permission.DECIDE_EXEMPTIONS, caller -> to.exemptions().deny(in, caller.name()));
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(RevokeExemptionRequest in, Metadata m) {
    return as(m, Permission.DECIDE_EXEMPTIONS, caller -> to.exemptions().revoke(in, caller.name()));
  }

  // ---- rollouts ----

  @Override
  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.rollouts().startRollout(in, caller.name()));
  }

  @Override
  public CompletionStage<GetRolloutResponse> getRollout(GetRolloutRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.rollouts().get(in));
  }

  @Override
  public CompletionStage<ListRolloutsResponse> listRollouts(ListRolloutsRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.rollouts().list(in));
  }

  @Override
  public CompletionStage<PauseRolloutResponse> pauseRollout(PauseRolloutRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.rollouts().pause(in, caller.name()));
  }

  @Override
  public CompletionStage<ResumeRolloutResponse> resumeRollout(ResumeRolloutRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.rollouts().resume(in, caller.name()));
  }

  @Override
  public CompletionStage<AbortRolloutResponse> abortRollout(AbortRolloutRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.rollouts().abort(in, caller.name()));
  }

  @Override
  public CompletionStage<RollbackRolloutResponse> rollbackRollout(RollbackRolloutRequest in, Metadata m) {
    return as(m, Permission.MANAGE_POLICIES, caller -> to.rollouts().rollback(in, caller.name()));
  }

  // ---- enrollment tokens ----

  @Override
  public CompletionStage<CreateEnrollmentTokenResponse> createEnrollmentToken(CreateEnrollmentTokenRequest in, Metadata m) {
    return as(m, Permission.MANAGE_IDENTITIES, caller -> to.enrollmentTokens().create(in, caller.name()));
  }

  @Override
  public CompletionStage<ListEnrollmentTokensResponse> listEnrollmentTokens(ListEnrollmentTokensRequest in, Metadata m) {
    return as(m, Permission.MANAGE_IDENTITIES, caller -> to.enrollmentTokens().list(in));
  }

  @Override
  public CompletionStage<RevokeEnrollmentTokenResponse> revokeEnrollmentToken(RevokeEnrollmentTokenRequest in, Metadata m) {
    return as(m, Permission.MANAGE_IDENTITIES, caller -> to.enrollmentTokens().revoke(in, caller.name()));
  }

  // ---- the server ----

  @Override
  public CompletionStage<GetServerInfoResponse> getServerInfo(GetServerInfoRequest in, Metadata m) {
    return as(m, Permission.READ, caller -> to.server().info());
  }
}
