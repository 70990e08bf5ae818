package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.PolicyAck;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every RPC implemented so far refuses bad input with the right status and a message, and changes nothing. */
class BadInputIntegrationTest {

  private static FleetHarness harness;
  private static String credentialA;

  @BeforeAll
  static void start() throws Exception {
    harness = new FleetHarness();
    credentialA = enroll(valid("device-a")).getDeviceCredential();
    enroll(valid("device-b"));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static EnrollRequest.Builder valid(String id) {
    return EnrollRequest.newBuilder()
        .setEnrollmentToken(harness.enrollmentToken)
        .setEnrollmentId(java.util.UUID.randomUUID().toString())
        .setDeviceId(id)
        .setOwner(id + "@example.com")
        .setJurisdiction("US")
        .setTimeZone("America/Chicago")
        .putLabels("team", "qa");
  }

  private static EnrollResponse enroll(EnrollRequest.Builder request) throws Exception {
    return harness.agentClient.enroll(request.build()).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private static StatusRuntimeException failure(CompletionStage<?> call) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> call.toCompletableFuture().get(15, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof StatusRuntimeException, "not a gRPC status: " + e.getCause());
    return (StatusRuntimeException) e.getCause();
  }

  private static void assertStatus(Status.Code code, String messagePart, CompletionStage<?> call) {
    StatusRuntimeException e = failure(call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    String description = e.getStatus().getDescription();
    assertTrue(
        description != null && description.contains(messagePart),
        "message \"" + description + "\" should mention \"" + messagePart + "\"");
  }

  private static CompletionStage<?> getDevice(String id) {
    return harness.admin.getDevice()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(GetDeviceRequest.newBuilder().setDeviceId(id).build());
  }

  private static void assertNotEnrolled(String id) {
    assertStatus(Status.Code.NOT_FOUND, "not enrolled", getDevice(id));
  }

  @Test
  void enrollmentRefusesBadInputAndEnrollsNothing() {
    assertStatus(Status.Code.UNAUTHENTICATED, "enrollment_token is required",
        harness.agentClient.enroll(valid("bad-1").setEnrollmentToken("").build()));
    assertNotEnrolled("bad-1");
    assertStatus(Status.Code.UNAUTHENTICATED, "enrollment_token is not valid",
        harness.agentClient.enroll(valid("bad-2").setEnrollmentToken("guess").build()));
    assertNotEnrolled("bad-2");
    assertStatus(Status.Code.INVALID_ARGUMENT, "device_id is required",
        harness.agentClient.enroll(valid("").build()));
    String oversize = "x".repeat(129);
    assertStatus(Status.Code.INVALID_ARGUMENT, "device_id must be 1 to 128 characters",
        harness.agentClient.enroll(valid(oversize).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "device_id must be",
        harness.agentClient.enroll(valid("a/b").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "jurisdiction",
        harness.agentClient.enroll(valid("bad-3").setJurisdiction("usa").build()));
    assertNotEnrolled("bad-3");
    assertStatus(Status.Code.INVALID_ARGUMENT, "owner is required",
        harness.agentClient.enroll(valid("bad-4").setOwner(" ").build()));
    assertNotEnrolled("bad-4");
    assertStatus(Status.Code.INVALID_ARGUMENT, "time_zone",
        harness.agentClient.enroll(valid("bad-5").setTimeZone("Mars/Olympus").build()));
    assertNotEnrolled("bad-5");
    Map<String, String> tooMany = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      tooMany.put("k" + i, "v");
    }
    assertStatus(Status.Code.INVALID_ARGUMENT, "labels",
        harness.agentClient.enroll(valid("bad-6").putAllLabels(tooMany).build()));
    assertNotEnrolled("bad-6");
  }

  private static CompletionStage<?> connect(String deviceIdHeader, String credential) {
    var call = harness.agentClient.connect();
    if (deviceIdHeader != null) {
      call = call.addHeader("x-fleet-device-id", deviceIdHeader);
    }
    if (credential != null) {
      call = call.addHeader("authorization", "Bearer " + credential);
    }
    return call.invoke(Source.<ConnectRequest>maybe().mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance()))
        .runWith(Sink.head(), harness.clientSystem);
  }

  @Test
  void streamsMustProveWhichDeviceTheySpeakFor() {
    assertStatus(Status.Code.UNAUTHENTICATED, "x-fleet-device-id is required", connect(null, credentialA));
    assertStatus(Status.Code.UNAUTHENTICATED, "Bearer", connect("device-a", null));
    // Device A's credential, claiming to be device B.
    assertStatus(Status.Code.PERMISSION_DENIED, "another device", connect("device-b", credentialA));
    // The right shape for B, but A's nonce and MAC: the MAC does not match B's id.
    String nonceAndMacOfA = credentialA.substring("device-a.".length());
    assertStatus(Status.Code.UNAUTHENTICATED, "device credential of device-b is not valid",
        connect("device-b", "device-b." + nonceAndMacOfA));
    // Made up: refused by its MAC, and no entity is started for it.
    assertStatus(Status.Code.UNAUTHENTICATED, "device credential of device-c is not valid",
        connect("device-c", "device-c.made.up"));
    assertStatus(Status.Code.UNAUTHENTICATED, "malformed", connect("device-c", "device-c"));
    assertNotEnrolled("device-c");
    assertStatus(Status.Code.INVALID_ARGUMENT, "x-fleet-device-id must be",
        connect("y".repeat(200), credentialA));
  }

  @Test
  void aStreamCannotAckAVersionItWasNotSentAndTheRefusalChangesNothing() throws Exception {
    ConnectRequest badAck =
        ConnectRequest.newBuilder()
            .setRequestId("r1")
            .setPolicyAck(PolicyAck.newBuilder().setPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName("default").setVersion(99)))
            .build();
    ConnectResponse answer =
        harness.agentClient.connect()
            .addHeader("x-fleet-device-id", "device-a")
            .addHeader("authorization", "Bearer " + credentialA)
            .invoke(Source.single(badAck).concat(Source.<ConnectRequest>maybe().mapMaterializedValue(m -> org.apache.pekko.NotUsed.getInstance())))
            .filter(ConnectResponse::hasRequestAck)
            .runWith(Sink.head(), harness.clientSystem)
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS);
    assertEquals("r1", answer.getRequestAck().getRequestId());
    assertFalse(answer.getRequestAck().getAccepted());
    assertTrue(answer.getRequestAck().getMessage().contains("not the target"), answer.getRequestAck().getMessage());
    var device =
        harness.admin.getDevice()
            .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(GetDeviceRequest.newBuilder().setDeviceId("device-a").build())
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS)
            .getDevice();
    assertEquals(0, device.getAppliedPolicy().getVersion());
  }

  @Test
  void adminCallsNeedAValidTokenAndValidArguments() {
    assertStatus(Status.Code.UNAUTHENTICATED, "admin token",
        harness.admin.getFleetSummary().invoke(GetFleetSummaryRequest.getDefaultInstance()));
    assertStatus(Status.Code.UNAUTHENTICATED, "admin token is not valid",
        harness.admin.getFleetSummary().addHeader("authorization", "Bearer nope")
            .invoke(GetFleetSummaryRequest.getDefaultInstance()));
    var list = harness.admin.listDevices().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN);
    assertStatus(Status.Code.INVALID_ARGUMENT, "page_size",
        list.invoke(ListDevicesRequest.newBuilder().setPageSize(5000).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "page_size",
        list.invoke(ListDevicesRequest.newBuilder().setPageSize(-1).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "page_token",
        list.invoke(ListDevicesRequest.newBuilder().setPageToken("forged").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "connection_state",
        list.invoke(ListDevicesRequest.newBuilder().setConnectionStateValue(42).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "labels",
        list.invoke(ListDevicesRequest.newBuilder().addLabels("no-equals-sign").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "device_id is required", getDevice(""));
    assertStatus(Status.Code.INVALID_ARGUMENT, "device_id must be", getDevice("z".repeat(300)));
    var audit = harness.admin.listAuditEvents().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN);
    assertStatus(Status.Code.INVALID_ARGUMENT, "action",
        audit.invoke(io.fleetcontrol.proto.v1.ListAuditEventsRequest.newBuilder().setAction("DROP TABLE").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "page_size",
        audit.invoke(io.fleetcontrol.proto.v1.ListAuditEventsRequest.newBuilder().setPageSize(1001).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "page_token",
        audit.invoke(io.fleetcontrol.proto.v1.ListAuditEventsRequest.newBuilder().setPageToken("a.b").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "last_seen_before",
        list.invoke(ListDevicesRequest.newBuilder()
            .setLastSeenBefore(com.google.protobuf.Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "capture_state",
        list.invoke(ListDevicesRequest.newBuilder().setCaptureStateValue(99).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "jurisdiction",
        list.invoke(ListDevicesRequest.newBuilder().setJurisdiction("Narnia").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "status",
        harness.admin.listExemptions().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.ListExemptionsRequest.newBuilder().setStatusValue(77).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "not a rollout id",
        harness.admin.getRollout().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.GetRolloutRequest.newBuilder().setRolloutId("nodash").build()));
    assertStatus(Status.Code.NOT_FOUND, "has no rollout",
        harness.admin.getRollout().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.GetRolloutRequest.newBuilder().setRolloutId("default-42").build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "",
        harness.admin.startRollout().addHeader("authorization", "Bearer dev-viewer-token")
            .invoke(io.fleetcontrol.proto.v1.StartRolloutRequest.getDefaultInstance()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "selector",
        harness.admin.assignPolicy().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.AssignPolicyRequest.newBuilder().setPolicyName("default").build()));
    assertStatus(Status.Code.NOT_FOUND, "device-zz",
        harness.admin.assignPolicy().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.AssignPolicyRequest.newBuilder().setPolicyName("default")
                .setSelector(io.fleetcontrol.proto.v1.DeviceSelector.newBuilder().addDeviceIds("device-a")
                    .addDeviceIds("device-zz")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, "expire_time",
        harness.admin.approveExemption().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.ApproveExemptionRequest.newBuilder().setDeviceId("device-a")
                .setExemptionId("ex-1").build()));
    assertStatus(Status.Code.NOT_FOUND, "no exemption ex-7",
        harness.admin.denyExemption().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(io.fleetcontrol.proto.v1.DenyExemptionRequest.newBuilder().setDeviceId("device-a")
                .setExemptionId("ex-7").setReason("no").build()));
    assertStatus(Status.Code.PERMISSION_DENIED, "needs the permission decide-exemptions",
        harness.admin.denyExemption().addHeader("authorization", "Bearer dev-viewer-token")
            .invoke(io.fleetcontrol.proto.v1.DenyExemptionRequest.newBuilder().setDeviceId("device-a")
                .setExemptionId("ex-1").setReason("no").build()));
  }

  @Test
  void labelFilterFindsTheEnrolledDevicesAndNoOthers() throws Exception {
    Eventually.within(java.time.Duration.ofSeconds(30), () -> {
      assertEquals(2, list(ListDevicesRequest.newBuilder().addLabels("team=qa")).getDevicesCount());
    });
    assertEquals(0, list(ListDevicesRequest.newBuilder().addLabels("team=other")).getDevicesCount());
    assertEquals(0, list(ListDevicesRequest.newBuilder().addLabels("team=qa")
        .setJurisdiction("DE")).getDevicesCount());
  }

  private static io.fleetcontrol.proto.v1.ListDevicesResponse list(ListDevicesRequest.Builder request)
      throws Exception {
    return harness.admin.listDevices()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(request.build())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
