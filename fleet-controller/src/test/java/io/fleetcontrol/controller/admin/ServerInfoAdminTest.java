package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.build.BuildInfo;
import io.fleetcontrol.proto.v1.GetServerInfoResponse;
import io.fleetcontrol.wire.WireTime;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ServerInfoAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void answersWithWhatItWasGiven() {
    var info = join(new ServerInfoAdmin(new BuildInfo("1.4.2", "fleet.v1"), "pekko://fleet@10.0.3.17:7355",
        AdminFixture.NOW, "17.0.12+7").info());

    assertEquals("1.4.2", info.getVersion());
    assertEquals("fleet.v1", info.getApiVersion());
    assertEquals("pekko://fleet@10.0.3.17:7355", info.getNodeAddress());
    assertEquals(AdminFixture.NOW, WireTime.fromProto(info.getStartTime()));
    assertEquals("17.0.12+7", info.getJavaVersion());
  }

  @Test
  void aNodeTellsItsBuildItsAddressAndWhenItsActorSystemStarted() {
    Instant asked = Instant.now();
    GetServerInfoResponse info = join(ServerInfoAdmin.of(kit.system()).info());

    assertEquals(BuildInfo.current().version(), info.getVersion());
    assertFalse(info.getVersion().isBlank());
    assertEquals("fleet.v1", info.getApiVersion());
    assertEquals(kit.system().address().toString(), info.getNodeAddress());
    assertTrue(info.getNodeAddress().startsWith("pekko://" + kit.system().name()), info.getNodeAddress());
    Instant started = WireTime.fromProto(info.getStartTime());
    assertEquals(kit.system().startTime(), started.toEpochMilli());
    assertFalse(started.isAfter(asked), "started before it was asked: " + started);
    assertEquals(Runtime.version().toString(), info.getJavaVersion());
  }
}
