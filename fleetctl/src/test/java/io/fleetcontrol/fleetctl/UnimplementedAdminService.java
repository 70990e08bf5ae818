package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.AbortRolloutRequest;
import io.fleetcontrol.proto.v1.AbortRolloutResponse;
import io.fleetcontrol.proto.v1.AdminServicePowerApi;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.ApproveExemptionResponse;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.CreateEnrollmentTokenResponse;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyResponse;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionResponse;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetPolicyResponse;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.GetServerInfoRequest;
import io.fleetcontrol.proto.v1.GetServerInfoResponse;
import io.fleetcontrol.proto.v1.GetRolloutResponse;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest;
import io.fleetcontrol.proto.v1.ListEnrollmentTokensResponse;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.ListPoliciesResponse;
import io.fleetcontrol.proto.v1.ListRolloutsRequest;
import io.fleetcontrol.proto.v1.ListRolloutsResponse;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.PauseRolloutResponse;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.ResetDeviceResponse;
import io.fleetcontrol.proto.v1.ResumeRolloutRequest;
import io.fleetcontrol.proto.v1.ResumeRolloutResponse;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceResponse;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest;
import io.fleetcontrol.proto.v1.RevokeEnrollmentTokenResponse;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.fleetcontrol.proto.v1.RevokeExemptionResponse;
import io.fleetcontrol.proto.v1.RollbackRolloutRequest;
import io.fleetcontrol.proto.v1.RollbackRolloutResponse;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.proto.v1.StartRolloutResponse;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import io.fleetcontrol.proto.v1.UpdatePolicyResponse;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/** Answers UNIMPLEMENTED to every call, so a fake overrides only the calls its test needs. */
abstract class UnimplementedAdminService implements AdminServicePowerApi {

  static <T> CompletionStage<T> unimplemented() {
    return CompletableFuture.failedFuture(new GrpcServiceException(Status.UNIMPLEMENTED.withDescription("not in this fake")));
  }

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(GetFleetSummaryRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListDevicesResponse> listDevices(ListDevicesRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<AssignPolicyResponse> assignPolicy(AssignPolicyRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<GetRolloutResponse> getRollout(GetRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListRolloutsResponse> listRollouts(ListRolloutsRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<PauseRolloutResponse> pauseRollout(PauseRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ResumeRolloutResponse> resumeRollout(ResumeRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<AbortRolloutResponse> abortRollout(AbortRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<RollbackRolloutResponse> rollbackRollout(RollbackRolloutRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(ApproveExemptionRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(RevokeExemptionRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListAuditEventsResponse> listAuditEvents(ListAuditEventsRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ResetDeviceResponse> resetDevice(ResetDeviceRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<RevokeDeviceResponse> revokeDevice(RevokeDeviceRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<CreateEnrollmentTokenResponse> createEnrollmentToken(
      CreateEnrollmentTokenRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<ListEnrollmentTokensResponse> listEnrollmentTokens(
      ListEnrollmentTokensRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<RevokeEnrollmentTokenResponse> revokeEnrollmentToken(
      RevokeEnrollmentTokenRequest in, Metadata metadata) {
    return unimplemented();
  }

  @Override
  public CompletionStage<GetServerInfoResponse> getServerInfo(GetServerInfoRequest in, Metadata metadata) {
    return unimplemented();
  }
}
