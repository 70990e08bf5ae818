package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.wire.PolicyWire;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PolicyAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final AdminFixture f = new AdminFixture(kit);
  private final PolicyAdmin admin = new PolicyAdmin(kit.system(), f.entities, f.devices, f.known, AdminFixture.ASK);

  @Test
  void aValidPolicyGoesToTheCatalogWithItsAuthor() {
    var draft = PolicyWire.toProto(Policy.starter("eng", 0));
    CompletionStage<?> created = admin.create(CreatePolicyRequest.newBuilder().setPolicy(draft).build(), "olga");
    var create = f.entities.catalog.expectMessageClass(PolicyCatalog.CreatePolicy.class);
    assertEquals("olga", create.author());
    assertEquals("eng", create.draft().name());
    create.replyTo().tell(StatusReply.success(Policy.starter("eng", 1)));
    var policy = ((io.fleetcontrol.proto.v1.CreatePolicyResponse) join(created)).getPolicy();
    assertEquals("eng", policy.getName());
    assertEquals(1, policy.getVersion());
  }

  @Test
  void aTakenNameIsAlreadyExistsAndAnUnknownOneNotFound() {
    var draft = PolicyWire.toProto(Policy.starter("eng", 0));
    CompletionStage<?> created = admin.create(CreatePolicyRequest.newBuilder().setPolicy(draft).build(), "olga");
    f.entities.catalog.expectMessageClass(PolicyCatalog.CreatePolicy.class).replyTo()
        .tell(new io.fleetcontrol.refusal.Refusal.AlreadyExists("policy eng already exists").reply());
    assertRefused(Status.Code.ALREADY_EXISTS, () -> created);

    CompletionStage<?> got = admin.get(GetPolicyRequest.newBuilder().setName("nope").build());
    f.entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class).replyTo()
        .tell(new io.fleetcontrol.refusal.Refusal.NotFound("policy nope does not exist").reply());
    assertRefused(Status.Code.NOT_FOUND, () -> got);
  }

  @Test
  void invalidRequestsAreRefusedBeforeTheCatalogIsAsked() {
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.create(CreatePolicyRequest.getDefaultInstance(), "olga"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.get(GetPolicyRequest.getDefaultInstance()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.get(GetPolicyRequest.newBuilder().setName("eng")
        .setVersion(-1).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListPoliciesRequest.newBuilder()
        .setPageToken("next").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.assign(AssignPolicyRequest.newBuilder()
        .setPolicyName("eng").setSelector(DeviceSelector.newBuilder().setAll(true).addLabels("team=core")).build(),
        "olga"));
    f.entities.catalog.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anAssignmentToListedDevicesNeedsEveryOneEnrolled() {
    f.enroll("a");
    CompletionStage<?> assigned = admin.assign(AssignPolicyRequest.newBuilder().setPolicyName("eng")
        .setSelector(DeviceSelector.newBuilder().addDeviceIds("a").addDeviceIds("ghost")).build(), "olga");
    f.entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class).replyTo()
        .tell(StatusReply.success(Policy.starter("eng", 2)));
    assertRefused(Status.Code.NOT_FOUND, () -> assigned);
    assertFalse(f.entities.anyDeviceAsked());
  }

  @Test
  void anAssignmentByLabelsReachesTheMatchingDevices() {
    f.enroll("a");
    CompletionStage<?> assigned = admin.assign(AssignPolicyRequest.newBuilder().setPolicyName("eng")
        .setSelector(DeviceSelector.newBuilder().setAll(true)).build(), "olga");
    f.entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class).replyTo()
        .tell(StatusReply.success(Policy.starter("eng", 2)));
    var assign = f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.AssignPolicy.class);
    assertEquals("olga", assign.by());
    assertEquals(2, assign.policy().version());
    assign.replyTo().tell(StatusReply.success(new io.fleetcontrol.device.DeviceSummary(
        new io.fleetcontrol.policy.DeviceIdentity("a", "ada", "DE", java.util.Map.of(), "1.0.0", "UTC"),
        AdminFixture.NOW, new io.fleetcontrol.policy.PolicyVersion("eng", 2), new io.fleetcontrol.policy.PolicyVersion("eng", 1), null, null, null, null, null, null,
        new io.fleetcontrol.policy.PausesLeft(3), java.util.List.of(), 0, 0, null, 0,
        null)));
    assertEquals(1, ((io.fleetcontrol.proto.v1.AssignPolicyResponse) join(assigned)).getAssignedDeviceCount());
    assertTrue(f.entities.anyDeviceAsked());
  }
}
