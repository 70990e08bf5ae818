package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.device.DeviceCredential;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.HealthRollup;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import java.util.List;
import java.util.Map;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DeviceAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final AdminFixture f = new AdminFixture(kit);
  private final FleetView fleet =
      new FleetView(f.devices, f.clock, new io.fleetcontrol.controller.readside.ConnectionRules(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(120)), java.util.Set::<String>of, Duration.ofSeconds(5));
  private final DeviceAdmin admin = new DeviceAdmin(f.entities, f.known, f.audit, fleet, AdminFixture.ASK, f.clock);

  private static DeviceSummary summary(String id) {
    var exemption = new ExemptionRecord("ex-1", io.fleetcontrol.policy.ExemptionScope.FULL, io.fleetcontrol.policy.ExemptionReason.BANDWIDTH,
        "surgery", io.fleetcontrol.policy.ExemptionStatus.REQUESTED, AdminFixture.NOW, null, null, null, null);
    return new DeviceSummary(new DeviceIdentity(id, "ada", "DE", Map.of("team", "core"), "1.0.0", "UTC"),
        AdminFixture.NOW, new io.fleetcontrol.policy.PolicyVersion("eng", 2), new io.fleetcontrol.policy.PolicyVersion("eng", 2), AdminFixture.NOW.minusSeconds(5), CaptureState.ACTIVE, "policy",
        DeviceTelemetry.UNKNOWN, null, null, new io.fleetcontrol.policy.PausesLeft(3), List.of(exemption), 0, 0,
        new HealthRollup.Summary(0, 0, 0, 0, 0, 0), 0, DeviceCredential.Status.ACTIVE);
  }

  @Test
  void aDevicesDetailIsItsEntitysSummaryWithItsLatestAuditEntries() {
    f.enroll("a");
    join(f.audit.record(new AuditEntry(AdminFixture.NOW.minusSeconds(60), "e#1", "device:a", "device.enrolled", "a",
        "owner ada")));
    join(f.audit.record(new AuditEntry(AdminFixture.NOW.minusSeconds(30), "e#2", "olga", "policy.assigned", "a",
        "eng v2")));
    for (AdminTokens.Caller caller : List.of(AdminFixture.VIEWER, AdminFixture.APPROVER)) {
      CompletionStage<GetDeviceResponse> answer =
          admin.get(GetDeviceRequest.newBuilder().setDeviceId("a").build(), caller);
      f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.GetSummary.class).replyTo()
          .tell(StatusReply.success(summary("a")));
      GetDeviceResponse got = join(answer);
      assertEquals("ada", got.getDevice().getOwner());
      assertEquals(ConnectionState.CONNECTION_STATE_ONLINE, got.getDevice().getConnectionState());
      assertEquals(List.of("device.enrolled", "policy.assigned"),
          got.getHistoryList().stream().map(e -> e.getAction()).toList());
      // The employee's words only for those who may read them.
      assertEquals(caller == AdminFixture.APPROVER ? "surgery" : "", got.getDevice().getExemptions(0).getComment());
    }
  }

  @Test
  void aResetGoesToTheEntityWithWhoAndWhy() {
    f.enroll("a");
    CompletionStage<?> answer = admin.reset(ResetDeviceRequest.newBuilder().setDeviceId("a").setReason("new laptop")
        .build(), "ida");
    var reset = f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.ResetDevice.class);
    assertEquals("ida", reset.by());
    assertEquals("new laptop", reset.reason());
    reset.replyTo().tell(new io.fleetcontrol.refusal.Refusal.NotFound("device a is not enrolled").reply());
    // The entity's "not enrolled" is NOT_FOUND, as the read side's would be.
    assertRefused(Status.Code.NOT_FOUND, () -> answer);
  }

  @Test
  void aRevocationAnswersWithTheDeviceId() {
    f.enroll("a");
    var answer = admin.revoke(RevokeDeviceRequest.newBuilder().setDeviceId("a").build(), "ida");
    var revoke = f.entities.deviceProbe("a").expectMessageClass(DeviceCommand.RevokeDevice.class);
    assertEquals("ida", revoke.by());
    revoke.replyTo().tell(StatusReply.success(null));
    assertEquals("a", join(answer).getDeviceId());
  }

  @Test
  void aDeviceTheReadSideDoesNotKnowIsNotFoundAndNoEntityStarts() {
    assertRefused(Status.Code.NOT_FOUND, () -> admin.get(GetDeviceRequest.newBuilder().setDeviceId("ghost").build(),
        AdminFixture.VIEWER));
    assertRefused(Status.Code.NOT_FOUND, () -> admin.reset(ResetDeviceRequest.newBuilder().setDeviceId("ghost").build(),
        "ida"));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.revoke(RevokeDeviceRequest.newBuilder()
        .setDeviceId("white space").build(), "ida"));
    assertFalse(f.entities.anyDeviceAsked());
  }
}
