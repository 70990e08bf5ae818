package io.fleetcontrol.controller.admin;

import static io.fleetcontrol.controller.admin.AdminFixture.assertRefused;
import static io.fleetcontrol.controller.admin.AdminFixture.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import io.grpc.Status;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AuditAdminTest {

  private static final ActorTestKit kit = AdminFixture.testKit();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final AdminFixture f = new AdminFixture(kit);
  private final AuditAdmin admin = new AuditAdmin(f.audit, f.pageTokens);

  private void entry(int n, String device, String action) {
    entry(n, device, action, "alice");
  }

  private void entry(int n, String device, String action, String actor) {
    join(f.audit.record(new AuditEntry(AdminFixture.NOW.plusSeconds(n), "e#" + n, actor, action, device, "n" + n)));
  }

  @Test
  void anActorFiltersWhatThatIdentityDid() {
    entry(1, "a", "exemption.approved", "hr-lead");
    entry(2, "a", "exemption.approved", "ops-lead");
    entry(3, "b", "pause.started", "agent");
    var byLead = join(admin.list(ListAuditEventsRequest.newBuilder().setActor("hr-lead").build()));
    assertEquals(1, byLead.getEventsCount());
    assertEquals("n1", byLead.getEvents(0).getDetail());
    var byOpsOnA = join(admin.list(ListAuditEventsRequest.newBuilder().setDeviceId("a").setActor("ops-lead")
        .setAction("exemption.approved").build()));
    assertEquals(1, byOpsOnA.getEventsCount());
    assertEquals("n2", byOpsOnA.getEvents(0).getDetail());
    assertEquals(0, join(admin.list(ListAuditEventsRequest.newBuilder().setActor("nobody").build())).getEventsCount());
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListAuditEventsRequest.newBuilder()
        .setActor("x".repeat(257)).build()));
  }

  @Test
  void aDevicesEventsComeNewestFirstPageByPage() {
    for (int n = 1; n <= 3; n++) {
      entry(n, "a", "pause.started");
    }
    entry(4, "b", "pause.started");
    var in = ListAuditEventsRequest.newBuilder().setDeviceId("a").setPageSize(2);
    ListAuditEventsResponse first = join(admin.list(in.build()));
    assertEquals("n3", first.getEvents(0).getDetail());
    assertEquals("n2", first.getEvents(1).getDetail());
    assertEquals("alice", first.getEvents(0).getActor());
    assertEquals(AdminFixture.NOW.plusSeconds(3).getEpochSecond(), first.getEvents(0).getEventTime().getSeconds());
    ListAuditEventsResponse second = join(admin.list(in.setPageToken(first.getNextPageToken()).build()));
    assertEquals(1, second.getEventsCount());
    assertEquals("n1", second.getEvents(0).getDetail());
    assertTrue(second.getNextPageToken().isEmpty());
  }

  @Test
  void anActionFiltersTheFleetsEvents() {
    entry(1, "a", "pause.started");
    entry(2, "", "policy.created");
    var created = join(admin.list(ListAuditEventsRequest.newBuilder().setAction("policy.created").build()));
    assertEquals(1, created.getEventsCount());
    assertEquals("", created.getEvents(0).getDeviceId());
    assertEquals(2, join(admin.list(ListAuditEventsRequest.getDefaultInstance())).getEventsList().stream()
        .map(AuditEvent::getAction).distinct().count());
  }

  @Test
  void whatIsNoActionOrNoTokenOfOursIsRefused() {
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListAuditEventsRequest.newBuilder()
        .setAction("Pause Started").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListAuditEventsRequest.newBuilder()
        .setPageToken("abc").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, () -> admin.list(ListAuditEventsRequest.newBuilder()
        .setPageSize(1001).build()));
  }
}
