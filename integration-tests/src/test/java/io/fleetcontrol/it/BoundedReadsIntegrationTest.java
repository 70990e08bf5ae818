package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.proto.v1.AbortRolloutRequest;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionReason;
import io.fleetcontrol.proto.v1.ExemptionRequest;
import io.fleetcontrol.proto.v1.ExemptionScope;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.ListRolloutsRequest;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.ResumeRolloutRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.fleetcontrol.proto.v1.RollbackRolloutRequest;
import io.fleetcontrol.rollout.PolicyRollouts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads stay bounded and never start entities: exemptions and audit events page through bounded
 * slices (a page may be short and still go on), label filters are capped, and unknown device and
 * rollout ids answer NOT_FOUND without an entity being started for them.
 */
class BoundedReadsIntegrationTest {

  private static FleetHarness harness;
  /** Exemption key (device/exemption id) by the status the test left it in. */
  private static final List<String> requested = new ArrayList<>();
  private static final List<String> approved = new ArrayList<>();
  private static final List<String> denied = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    harness = new FleetHarness();
    // Four devices ask for two exemptions each (one per scope: a device has one open per scope).
    for (int d = 0; d < 4; d++) {
      String id = "asker-" + d;
      try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, id, enroll(id))) {
        stream.applyPolicy();
        for (ExemptionScope scope : List.of(ExemptionScope.EXEMPTION_SCOPE_FULL, ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS)) {
          String request = stream.send(ConnectRequest.newBuilder().setExemptionRequest(ExemptionRequest.newBuilder()
              .setScope(scope).setReason(ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK).setComment("month end")));
          assertTrue(stream.ackOf(request).getRequestAck().getAccepted());
        }
      }
    }
    Eventually.within(Duration.ofSeconds(30), () -> assertEquals(8,
        listExemptions(ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED)
            .setPageSize(100)).getExemptionsCount()));
    List<Exemption> queue = listExemptions(ListExemptionsRequest.newBuilder()
        .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).setPageSize(100)).getExemptionsList();
    for (int i = 0; i < queue.size(); i++) {
      Exemption e = queue.get(i);
      if (i % 4 == 1) {
        await(harness.admin.approveExemption().addHeader("authorization", bearer()).invoke(ApproveExemptionRequest
            .newBuilder().setDeviceId(e.getDeviceId()).setExemptionId(e.getExemptionId())
            .setExpireTime(com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(Instant.now().plus(Duration.ofDays(2)).getEpochSecond())).build()));
        approved.add(key(e));
      } else if (i % 4 == 2) {
        await(harness.admin.denyExemption().addHeader("authorization", bearer()).invoke(DenyExemptionRequest
            .newBuilder().setDeviceId(e.getDeviceId()).setExemptionId(e.getExemptionId()).setReason("not now").build()));
        denied.add(key(e));
      } else {
        requested.add(key(e));
      }
    }
    // The decisions reach the queue table through the projection.
    Eventually.within(Duration.ofSeconds(30), () -> assertEquals(approved, keys(
        listExemptions(ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_APPROVED)
            .setPageSize(100)).getExemptionsList())));
    Eventually.within(Duration.ofSeconds(30), () -> assertEquals(denied, keys(
        listExemptions(ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_DENIED)
            .setPageSize(100)).getExemptionsList())));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  // ---- exemptions ----

  @Test
  void exemptionsOfOneStatusPageOldestFirstAndEachOnce() {
    List<List<String>> pages = exemptionPages(ListExemptionsRequest.newBuilder()
        .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).setPageSize(3));
    assertEquals(List.of(3, 1), pages.stream().map(List::size).toList(), pages.toString());
    assertEquals(requested, pages.stream().flatMap(List::stream).toList(), "oldest request first, each once");
  }

  @Test
  void exemptionsWithoutAStatusPageThroughEveryStatusInItsFixedOrder() {
    List<List<String>> pages = exemptionPages(ListExemptionsRequest.newBuilder().setPageSize(3));
    List<String> expected = new ArrayList<>(requested);
    expected.addAll(approved);
    expected.addAll(denied);
    assertEquals(expected, pages.stream().flatMap(List::stream).toList());
    assertTrue(pages.stream().allMatch(p -> p.size() <= 3), pages.toString());
  }

  @Test
  void oneDevicesExemptionsPageInRequestOrder() {
    List<List<String>> pages = exemptionPages(ListExemptionsRequest.newBuilder().setDeviceId("asker-1").setPageSize(1));
    assertEquals(2, pages.stream().mapToInt(List::size).sum(), pages.toString());
    assertTrue(pages.stream().flatMap(List::stream).allMatch(k -> k.startsWith("asker-1/")), pages.toString());
  }

  /**
   * A deployment upgraded from before the queue table: its exemptions are in the per-device table
   * only. The first start of the new version fills the queue from it, once.
   */
  @Test
  void exemptionsFromBeforeTheQueueTableAreFilledInAtStart() {
    String keyspace = harness.controllerSystem().settings().config().getString("fleet.read-side.keyspace");
    Instant requested = Instant.parse("2026-01-15T09:00:00Z");
    cql("INSERT INTO " + keyspace + ".exemptions (device_id, exemption_id, scope, reason, comment, status, "
        + "request_time) VALUES ('upgraded-1', 'ex-old', 'FULL', 'OTHER', 'from the old version', 'EXPIRED', ?)", requested);
    cql("DELETE FROM " + keyspace + ".migrations WHERE name = 'exemptions_by_status filled'");
    try {
      harness.restartController();
      Eventually.within(Duration.ofSeconds(30), () -> assertEquals(List.of("upgraded-1/ex-old"), keys(listExemptions(
          ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_EXPIRED).setPageSize(10))
          .getExemptionsList())));
    } finally {
      // The other tests here count every exemption there is.
      cql("DELETE FROM " + keyspace + ".exemptions WHERE device_id = 'upgraded-1'");
      cql("DELETE FROM " + keyspace + ".exemptions_by_status WHERE status = 'EXPIRED' AND month = '2026-01'");
    }
  }

  private static void cql(String statement, Object... values) {
    CassandraSessionRegistry.get(harness.controllerSystem())
        .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"))
        .executeWrite(SimpleStatement.newInstance(statement, values))
        .toCompletableFuture().join();
  }

  /** Every page's keys, following next_page_token until it is empty. */
  private static List<List<String>> exemptionPages(ListExemptionsRequest.Builder first) {
    List<List<String>> pages = new ArrayList<>();
    String token = "";
    do {
      ListExemptionsResponse page = listExemptions(first.clone().setPageToken(token));
      pages.add(keys(page.getExemptionsList()));
      token = page.getNextPageToken();
      assertTrue(pages.size() < 20, "paging does not end");
    } while (!token.isEmpty());
    return pages;
  }

  // ---- audit ----

  /**
   * Forty earlier days with an entry each, one of them the only "test.oldest": the first page
   * reads the newest 31 days, finds nothing, and still says where to go on; following the token
   * finds the entry.
   */
  @Test
  void auditPagingContinuesAfterAShortPage() {
    var session = CassandraSessionRegistry.get(harness.controllerSystem())
        .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"));
    String keyspace = harness.controllerSystem().settings().config().getString("fleet.read-side.keyspace");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    for (int daysAgo = 1; daysAgo <= 40; daysAgo++) {
      LocalDate day = today.minusDays(daysAgo);
      Instant at = day.atTime(12, 0).toInstant(ZoneOffset.UTC);
      String action = daysAgo == 38 ? "test.oldest" : "test.filler";
      session.executeWrite(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".audit_by_day "
              + "(day, event_time, event_id, actor, action, device_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
          day.toString(), at, "seeded|" + daysAgo, "test", action, "", "seeded " + daysAgo + " days ago"))
          .toCompletableFuture().join();
      session.executeWrite(SimpleStatement.newInstance(
          "INSERT INTO " + keyspace + ".audit_days (bucket, day) VALUES (0, ?)", day.toString()))
          .toCompletableFuture().join();
    }

    ListAuditEventsResponse first = listAudit(ListAuditEventsRequest.newBuilder().setAction("test.oldest").setPageSize(10));
    assertEquals(0, first.getEventsCount(), "the newest 31 days hold no test.oldest");
    assertFalse(first.getNextPageToken().isEmpty(), "a page stopped by its day bound says where to go on");
    List<AuditEvent> found = new ArrayList<>();
    String token = first.getNextPageToken();
    int pages = 1;
    while (!token.isEmpty()) {
      ListAuditEventsResponse page = listAudit(ListAuditEventsRequest.newBuilder().setAction("test.oldest")
          .setPageSize(10).setPageToken(token));
      found.addAll(page.getEventsList());
      token = page.getNextPageToken();
      assertTrue(++pages < 10, "paging does not end");
    }
    assertEquals(List.of("seeded 38 days ago"), found.stream().map(AuditEvent::getDetail).toList());

    // Without a filter the same walk sees every seeded day once, newest first.
    List<AuditEvent> all = new ArrayList<>();
    token = "";
    do {
      ListAuditEventsResponse page = listAudit(ListAuditEventsRequest.newBuilder().setPageSize(7).setPageToken(token));
      all.addAll(page.getEventsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    List<String> seeded = all.stream().map(AuditEvent::getDetail).filter(d -> d.startsWith("seeded")).toList();
    assertEquals(40, seeded.size(), seeded.toString());
    assertEquals("seeded 1 days ago", seeded.get(0));
    assertEquals("seeded 40 days ago", seeded.get(39));
    for (int i = 1; i < all.size(); i++) {
      assertFalse(Instant.ofEpochSecond(all.get(i).getEventTime().getSeconds())
          .isAfter(Instant.ofEpochSecond(all.get(i - 1).getEventTime().getSeconds())), "newest first");
    }
  }

  // ---- label caps ----

  @Test
  void labelFiltersOverTheCapAreRefusedNamingTheField() {
    ListDevicesRequest.Builder atCap = ListDevicesRequest.newBuilder();
    for (int i = 0; i < 32; i++) {
      atCap.addLabels("k" + i + "=v");
    }
    assertEquals(0, await(harness.admin.listDevices().addHeader("authorization", bearer()).invoke(atCap.build()))
        .getDevicesCount());
    StatusRuntimeException over = failure(harness.admin.listDevices().addHeader("authorization", bearer())
        .invoke(atCap.clone().addLabels("k32=v").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, over.getStatus().getCode());
    assertTrue(over.getStatus().getDescription().startsWith("labels: at most 32"), over.getStatus().getDescription());

    DeviceSelector.Builder selector = DeviceSelector.newBuilder();
    for (int i = 0; i < 5_000; i++) {
      selector.addLabels("k" + i + "=v");
    }
    StatusRuntimeException assign = failure(harness.admin.assignPolicy().addHeader("authorization", bearer())
        .invoke(AssignPolicyRequest.newBuilder().setPolicyName("default").setPolicyVersion(1).setSelector(selector).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, assign.getStatus().getCode());
    assertTrue(assign.getStatus().getDescription().startsWith("selector.labels"), assign.getStatus().getDescription());
  }

  // ---- reads never create entities ----

  @Test
  void unknownDevicesAreNotFoundWithoutStartingAnEntity() throws Exception {
    Set<String> before = runningEntities(DeviceEntity.ENTITY_KEY);
    List<String> unknown = List.of("never-enrolled-1", "never-enrolled-2", "never-enrolled-3", "never-enrolled-4",
        "never-enrolled-5", "never-enrolled-6");
    assertNotFound(harness.admin.getDevice().addHeader("authorization", bearer())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId(unknown.get(0)).build()));
    assertNotFound(harness.admin.approveExemption().addHeader("authorization", bearer())
        .invoke(ApproveExemptionRequest.newBuilder().setDeviceId(unknown.get(1)).setExemptionId("ex-1")
            .setExpireTime(com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(Instant.now().plus(Duration.ofDays(1)).getEpochSecond())).build()));
    assertNotFound(harness.admin.denyExemption().addHeader("authorization", bearer())
        .invoke(DenyExemptionRequest.newBuilder().setDeviceId(unknown.get(2)).setExemptionId("ex-1").setReason("no").build()));
    assertNotFound(harness.admin.revokeExemption().addHeader("authorization", bearer())
        .invoke(RevokeExemptionRequest.newBuilder().setDeviceId(unknown.get(3)).setExemptionId("ex-1").build()));
    assertNotFound(harness.admin.resetDevice().addHeader("authorization", bearer())
        .invoke(ResetDeviceRequest.newBuilder().setDeviceId(unknown.get(4)).setReason("test").build()));
    assertNotFound(harness.admin.revokeDevice().addHeader("authorization", bearer())
        .invoke(RevokeDeviceRequest.newBuilder().setDeviceId(unknown.get(5)).setReason("test").build()));
    StatusRuntimeException assign = failure(harness.admin.assignPolicy().addHeader("authorization", bearer())
        .invoke(AssignPolicyRequest.newBuilder().setPolicyName("default").setPolicyVersion(1)
            .setSelector(DeviceSelector.newBuilder().addDeviceIds("never-enrolled-7")).build()));
    assertEquals(Status.Code.NOT_FOUND, assign.getStatus().getCode(), assign.getStatus().toString());

    Set<String> after = runningEntities(DeviceEntity.ENTITY_KEY);
    for (String id : List.of("never-enrolled-1", "never-enrolled-2", "never-enrolled-3", "never-enrolled-4",
        "never-enrolled-5", "never-enrolled-6", "never-enrolled-7")) {
      assertFalse(after.contains(id), id + " got an entity: " + after);
    }
    assertTrue(after.size() <= before.size(), "entities before " + before + ", after " + after);
  }

  /** A device enrolled a moment ago is found, though the directory may not list it yet. */
  @Test
  void aDeviceEnrolledAMomentAgoIsFound() throws Exception {
    enroll("just-enrolled");
    assertEquals("just-enrolled", await(harness.admin.getDevice().addHeader("authorization", bearer())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId("just-enrolled").build())).getDevice().getDeviceId());
  }

  @Test
  void unknownRolloutsAreNotFoundWithoutStartingAnEntity() throws Exception {
    Set<String> before = runningEntities(PolicyRollouts.ENTITY_KEY);
    assertNotFound(harness.admin.getRollout().addHeader("authorization", bearer())
        .invoke(GetRolloutRequest.newBuilder().setRolloutId("no-such-policy-1").build()));
    assertNotFound(harness.admin.pauseRollout().addHeader("authorization", bearer())
        .invoke(PauseRolloutRequest.newBuilder().setRolloutId("made-up-2").build()));
    assertNotFound(harness.admin.resumeRollout().addHeader("authorization", bearer())
        .invoke(ResumeRolloutRequest.newBuilder().setRolloutId("made-up-3").build()));
    assertNotFound(harness.admin.abortRollout().addHeader("authorization", bearer())
        .invoke(AbortRolloutRequest.newBuilder().setRolloutId("made-up-4").build()));
    assertNotFound(harness.admin.rollbackRollout().addHeader("authorization", bearer())
        .invoke(RollbackRolloutRequest.newBuilder().setRolloutId("made-up-5").build()));
    assertNotFound(harness.admin.listRollouts().addHeader("authorization", bearer())
        .invoke(ListRolloutsRequest.newBuilder().setPolicyName("made-up").build()));
    // A policy that exists but never rolled out: its entity answers that it has no such rollout.
    assertNotFound(harness.admin.getRollout().addHeader("authorization", bearer())
        .invoke(GetRolloutRequest.newBuilder().setRolloutId("default-7").build()));

    StatusRuntimeException huge = failure(harness.admin.getRollout().addHeader("authorization", bearer())
        .invoke(GetRolloutRequest.newBuilder().setRolloutId("x".repeat(1 << 20) + "-1").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, huge.getStatus().getCode());
    assertTrue(huge.getStatus().getDescription().startsWith("rollout_id must be at most 128"),
        huge.getStatus().getDescription());

    Set<String> after = runningEntities(PolicyRollouts.ENTITY_KEY);
    Set<String> added = new HashSet<>(after);
    added.removeAll(before);
    added.remove("default");
    assertTrue(added.isEmpty(), "rollout entities started for unknown ids: " + added);
  }

  // ---- helpers ----

  /** Entity ids running on the (single) controller node, as its shard region reports them. */
  private static Set<String> runningEntities(EntityTypeKey<?> key) throws Exception {
    var system = harness.controllerSystem();
    ShardRegion.CurrentShardRegionState state = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
            ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(system).shardState(),
            replyTo -> new GetShardRegionState(key, replyTo), Duration.ofSeconds(10), system.scheduler())
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    Set<String> ids = new HashSet<>();
    state.getShards().forEach(shard -> ids.addAll(shard.getEntityIds()));
    return ids;
  }

  private static String enroll(String id) throws Exception {
    return await(harness.agentClient.enroll(EnrollRequest.newBuilder()
            .setEnrollmentToken(harness.enrollmentToken)
            .setEnrollmentId(java.util.UUID.randomUUID().toString())
            .setDeviceId(id)
            .setOwner(id + "@example.com")
            .setJurisdiction("US")
            .setTimeZone("UTC")
            .build()))
        .getDeviceCredential();
  }

  private static ListExemptionsResponse listExemptions(ListExemptionsRequest.Builder request) {
    return await(harness.admin.listExemptions().addHeader("authorization", bearer()).invoke(request.build()));
  }

  private static ListAuditEventsResponse listAudit(ListAuditEventsRequest.Builder request) {
    return await(harness.admin.listAuditEvents().addHeader("authorization", bearer()).invoke(request.build()));
  }

  private static List<String> keys(List<Exemption> exemptions) {
    return exemptions.stream().map(BoundedReadsIntegrationTest::key).toList();
  }

  private static String key(Exemption e) {
    return e.getDeviceId() + "/" + e.getExemptionId();
  }

  private static String bearer() {
    return "Bearer " + FleetHarness.ADMIN_TOKEN;
  }

  private static void assertNotFound(CompletionStage<?> call) {
    StatusRuntimeException e = failure(call);
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
  }

  private static StatusRuntimeException failure(CompletionStage<?> call) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> call.toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof StatusRuntimeException, "not a gRPC status: " + e.getCause());
    return (StatusRuntimeException) e.getCause();
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
