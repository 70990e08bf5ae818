package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.APPROVER;
import static io.fleetcontrol.controller.admin.AdminFixture.VIEWER;
import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.ApproveExemptionResponse;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ExemptionAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final AdminFixture f = new AdminFixture(kit);
  private final ExemptionAdmin admin =
      new ExemptionAdmin(f.entities, f.known, f.exemptions, f.pageTokens, AdminFixture.ASK, f.clock);

  private void request(String device, String id, Instant at) {
    join(f.exemptions.recordExemptionRequest(device, id, "FULL", "BANDWIDTH", "surgery on " + device, at));
  }

  private static Timestamp in(Duration d) {
    return Timestamp.newBuilder().setSeconds(AdminFixture.NOW.plus(d).getEpochSecond()).build();
  }

  @Test
  void theQueueIsOldestRequestFirstPageByPage() {
    request("b", "ex-1", AdminFixture.NOW.minusSeconds(20));
    request("a", "ex-1", AdminFixture.NOW.minusSeconds(30));
    request("c", "ex-1", AdminFixture.NOW.minusSeconds(10));
    var status = ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED);

    ListExemptionsResponse first = join(admin.list(status.setPageSize(2).build(), APPROVER));
    assertEquals("a", first.getExemptions(0).getDeviceId());
    assertEquals("b", first.getExemptions(1).getDeviceId());
    assertFalse(first.getNextPageToken().isEmpty());
    ListExemptionsResponse second =
        join(admin.list(status.setPageToken(first.getNextPageToken()).build(), APPROVER));
    assertEquals(1, second.getExemptionsCount());
    assertEquals("c", second.getExemptions(0).getDeviceId());
    assertTrue(second.getNextPageToken().isEmpty());
  }

  @Test
  void onlyCallersWhoMayReadEmployeeTextSeeTheComment() {
    request("a", "ex-1", AdminFixture.NOW);
    var in = ListExemptionsRequest.getDefaultInstance();
    assertEquals("surgery on a", join(admin.list(in, APPROVER)).getExemptions(0).getComment());
    assertEquals("", join(admin.list(in, VIEWER)).getExemptions(0).getComment());
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_REQUESTED, join(admin.list(in, VIEWER)).getExemptions(0).getStatus());
  }

  @Test
  void badListingsAreRefusedBeforeAnythingIsRead() {
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(
        ListExemptionsRequest.newBuilder().setStatusValue(99).build(), APPROVER));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(
        ListExemptionsRequest.newBuilder().setPageSize(5000).build(), APPROVER));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(
        ListExemptionsRequest.newBuilder().setDeviceId("not a device id").build(), APPROVER));
    // A token issued for one filter is refused for another.
    request("a", "ex-1", AdminFixture.NOW.minusSeconds(2));
    request("b", "ex-1", AdminFixture.NOW.minusSeconds(1));
    String token = join(admin.list(ListExemptionsRequest.newBuilder().setPageSize(1).build(), APPROVER))
        .getNextPageToken();
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListExemptionsRequest.newBuilder()
        .setStatus(ExemptionStatus.EXEMPTION_STATUS_DENIED).setPageSize(1).setPageToken(token).build(), APPROVER));
  }

  @Test
  void anApprovalGoesToTheDevicesEntityAndComesBackAsTheExemption() {
    f.enroll("a");
    CompletionStage<ApproveExemptionResponse> answer = admin.approve(ApproveExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("ex-1").setExpireTime(in(Duration.ofDays(7))).build(), "alice");

    var approve = f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.ApproveExemption.class);
    assertEquals("ex-1", approve.exemptionId());
    assertEquals("alice", approve.approver());
    assertEquals(AdminFixture.NOW.plus(Duration.ofDays(7)), approve.expireTime());
    approve.replyTo().tell(StatusReply.success(new ExemptionRecord("ex-1", io.fleetcontrol.policy.ExemptionScope.values()[0],
        io.fleetcontrol.policy.ExemptionReason.values()[0], "", io.fleetcontrol.policy.ExemptionStatus.APPROVED, AdminFixture.NOW,
        approve.expireTime(), "alice", null, AdminFixture.NOW)));

    var exemption = join(answer).getExemption();
    assertEquals("a", exemption.getDeviceId());
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_APPROVED, exemption.getStatus());
    assertEquals("alice", exemption.getDecidedBy());
  }

  @Test
  void aDecisionForADeviceNobodyEnrolledIsNotFoundWithoutAskingAnEntity() {
    assertRefused(Status.Code.NOT_FOUND, () -> admin.revoke(RevokeExemptionRequest.newBuilder()
        .setDeviceId("ghost").setExemptionId("ex-1").build(), "alice"));
    assertFalse(f.entities.anyDeviceAsked());
  }

  @Test
  void anExemptionTheEntityDoesNotHaveIsNotFound() {
    f.enroll("a");
    CompletionStage<?> answer = admin.revoke(RevokeExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("ex-9").setReason("done").build(), "bob");
    var revoke = f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.RevokeExemption.class);
    assertEquals("bob", revoke.revokedBy());
    revoke.replyTo().tell(new io.fleetcontrol.refusal.Refusal.NotFound("device a has no exemption ex-9").reply());
    assertRefused(Status.Code.NOT_FOUND, () -> answer);
  }

  @Test
  void decisionsWithoutWhatTheyNeedAreRefused() {
    f.enroll("a");
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.approve(ApproveExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("ex-1").build(), "alice"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.approve(ApproveExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("ex-1").setExpireTime(in(Duration.ofDays(400))).build(), "alice"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.deny(DenyExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("ex-1").setReason(" ").build(), "alice"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.deny(DenyExemptionRequest.newBuilder()
        .setDeviceId("a").setExemptionId("").setReason("no").build(), "alice"));
    assertFalse(f.entities.anyDeviceAsked());
  }
}
