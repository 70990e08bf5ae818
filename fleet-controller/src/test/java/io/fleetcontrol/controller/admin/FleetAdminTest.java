package io.fleetcontrol.controller.admin;

import java.util.List;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.policy.PolicyVersion;
import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FleetAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final AdminFixture f = new AdminFixture(kit);
  private final FleetView fleet =
      new FleetView(f.devices, f.clock, new io.fleetcontrol.controller.readside.ConnectionRules(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(120)), java.util.Set::<String>of, Duration.ofSeconds(5));
  private final FleetAdmin admin = new FleetAdmin(fleet, f.pageTokens, Duration.ofMillis(300), f.clock);

  private void device(String id, String jurisdiction, long applied, String capture, Duration silentFor) {
    device(id, jurisdiction, new PolicyVersion("default", applied), capture, silentFor);
  }

  private void device(String id, String jurisdiction, PolicyVersion applied, String capture, Duration silentFor) {
    join(f.devices.update(DeviceStore.RowChange.enrolled(new DeviceIdentity(id, "ada", jurisdiction, Map.of("site", jurisdiction),
        "1.0.0", "UTC"), AdminFixture.NOW)));
    join(f.devices.update(DeviceStore.RowChange.applied(id, applied, AdminFixture.NOW)));
    join(f.devices.recordPresence(id, AdminFixture.NOW.minus(silentFor), "", capture, "policy", 1));
  }

  private void load() {
    fleet.start(kit.system(), Duration.ofHours(1), Duration.ofHours(1));
    join(fleet.loaded());
  }

  @Test
  void theSummaryCountsEveryDimensionInOnePass() {
    device("a", "DE", 2, "ACTIVE", Duration.ZERO);
    device("b", "DE", new PolicyVersion("engineering", 2), "PAUSED", Duration.ofSeconds(45));
    device("c", "FR", 1, "ACTIVE", Duration.ofMinutes(10));
    load();
    GetFleetSummaryResponse summary = join(admin.summary());
    assertEquals(3, summary.getTotal());
    assertEquals(1, summary.getOnline());
    assertEquals(1, summary.getStale());
    assertEquals(1, summary.getOffline());
    assertEquals(Map.of("DE", 2L, "FR", 1L), summary.getByJurisdictionMap());
    // A version is counted with its policy: default v2 and engineering v2 are two lines, not one.
    assertEquals(List.of("default v1 1", "default v2 1", "engineering v2 1"), summary.getByAppliedPolicyList().stream()
        .map(c -> c.getPolicy().getPolicyName() + " v" + c.getPolicy().getVersion() + " " + c.getDevices()).toList());
    var onDefault = join(admin.list(ListDevicesRequest.newBuilder()
        .setAppliedPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName("default")).build()));
    assertEquals(List.of("a", "c"), onDefault.getDevicesList().stream().map(d -> d.getDeviceId()).sorted().toList());
    var onEngineering2 = join(admin.list(ListDevicesRequest.newBuilder()
        .setAppliedPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName("engineering").setVersion(2)).build()));
    assertEquals(List.of("b"), onEngineering2.getDevicesList().stream().map(d -> d.getDeviceId()).toList());
    assertEquals(Map.of("site=DE", 2L, "site=FR", 1L), summary.getByLabelMap());
    assertEquals(2L, summary.getByCaptureStateMap().values().stream().mapToLong(Long::longValue).max().orElse(0));
  }

  @Test
  void devicesComePageByPageWithTheirFilterAndTotal() {
    for (String id : new String[] {"a", "b", "c", "d"}) {
      device(id, id.equals("b") ? "FR" : "DE", 1, "ACTIVE", Duration.ZERO);
    }
    load();
    var german = ListDevicesRequest.newBuilder().setJurisdiction("DE").setPageSize(2);
    ListDevicesResponse first = join(admin.list(german.build()));
    assertEquals(3, first.getTotalSize());
    assertEquals("a", first.getDevices(0).getDeviceId());
    assertEquals("c", first.getDevices(1).getDeviceId());
    ListDevicesResponse second = join(admin.list(german.setPageToken(first.getNextPageToken()).build()));
    assertEquals(1, second.getDevicesCount());
    assertEquals("d", second.getDevices(0).getDeviceId());
    assertTrue(second.getNextPageToken().isEmpty());
  }

  @Test
  void badRequestsAreRefusedAndAnUnloadedViewIsUnavailable() {
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListDevicesRequest.newBuilder().setPageSize(-1).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListDevicesRequest.newBuilder()
        .setPageToken("made-up").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListDevicesRequest.newBuilder()
        .addLabels("no-equals-sign").build()));
    // Never loaded: the caller hears it is still loading, after the ask timeout, not never.
    assertRefused(Status.Code.UNAVAILABLE, admin::summary);
  }
}
