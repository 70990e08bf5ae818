package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.device.DeviceEntity;
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
      new FleetView(f.devices, f.clock, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(5));
  private final DeviceAdmin admin = new DeviceAdmin(f.entities, f.known, f.audit, fleet, AdminFixture.ASK, f.clock);

  @Test
  void aResetGoesToTheEntityWithWhoAndWhy() {
    f.enroll("a");
    CompletionStage<?> answer = admin.reset(ResetDeviceRequest.newBuilder().setDeviceId("a").setReason("new laptop")
        .build(), "ida");
    var reset = f.entities.deviceProbe("a").expectMessageClass(DeviceEntity.ResetDevice.class);
    assertEquals("ida", reset.by());
    assertEquals("new laptop", reset.reason());
    reset.replyTo().tell(StatusReply.error("device a is not enrolled"));
    // The entity's "not enrolled" is NOT_FOUND, as the read side's would be.
    assertRefused(Status.Code.NOT_FOUND, () -> answer);
  }

  @Test
  void aRevocationAnswersWithTheDeviceId() {
    f.enroll("a");
    var answer = admin.revoke(RevokeDeviceRequest.newBuilder().setDeviceId("a").build(), "ida");
    var revoke = f.entities.deviceProbe("a").expectMessageClass(DeviceEntity.RevokeDevice.class);
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
