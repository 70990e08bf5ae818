package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fleet queries on the real Cassandra with 1,000 simulated agents in mixed states: some paused,
 * some on a newer policy version, some in Germany (region-blocked), some with exemptions requested,
 * approved or denied, and some whose network went away. Every ListDevices filter is checked against
 * what the test made happen, through every page, exactly once; a change shows within 5 s; quiet
 * devices turn stale, then offline, in the configured times; the audit trail has who did what.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetQueriesIntegrationTest {

  private static final int AGENTS = 1000;
  private static final Duration STALE_AFTER = Duration.ofSeconds(20);
  private static final Duration OFFLINE_AFTER = Duration.ofSeconds(40);
  private static FleetHarness harness;
  private static FleetSimulator fleet;

  private static final Set<String> paused = new TreeSet<>();
  private static final Set<String> onNewVersion = new TreeSet<>();
  private static final Set<String> quiet = new TreeSet<>();
  /** By "device/exemption": REQUESTED, APPROVED or DENIED. */
  private static final Map<String, String> exemptionOutcome = new HashMap<>();
  private static Instant wentQuiet;
  private static long newVersion;

  @BeforeAll
  static void start() throws Exception {
    harness = new FleetHarness(Map.of(
        "fleet.connection.stale-after", STALE_AFTER.toSeconds() + "s",
        "fleet.connection.offline-after", OFFLINE_AFTER.toSeconds() + "s"));
    AgentSettings base = AgentSettings.fromConfig(harness.clientSystem.settings().config())
        .withController(harness.controllerAddress())
        .withEnrollmentToken(harness.enrollmentToken);
    fleet = FleetSimulator.start(harness.clientSystem,
        SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
        AGENTS);
    Eventually.within(Duration.ofMinutes(5), () ->
        assertEquals(Map.of(1L, AGENTS), fleet.appliedVersionCounts(), "every agent on default v1"));
    Eventually.within(Duration.ofMinutes(2), () -> {
      GetFleetSummaryResponse summary = summary();
      assertEquals(AGENTS, summary.getTotal(), "devices in the read side");
      assertEquals(AGENTS, summary.getOnline(), "online in the read side");
    });

    // Mixed states, on devices picked by number so the sets do not overlap and none is in Germany.
    List<DeviceAgent> home = fleet.agents().stream().filter(a -> a.settings().identity().jurisdiction().equals("US"))
        .sorted(java.util.Comparator.comparing(DeviceAgent::deviceId)).toList();
    List<CompletionStage<?>> asked = new ArrayList<>();
    for (DeviceAgent agent : home.subList(0, 40)) {
      paused.add(agent.deviceId());
      asked.add(agent.requestPause(Duration.ofMinutes(20)));
    }
    for (DeviceAgent agent : home.subList(100, 200)) {
      onNewVersion.add(agent.deviceId());
    }
    List<DeviceAgent> asking = home.subList(300, 315);
    for (DeviceAgent agent : asking) {
      asked.add(agent.requestExemption(io.fleetcontrol.policy.ExemptionScope.NO_SCREENSHOTS,
          io.fleetcontrol.policy.ExemptionReason.SENSITIVE_WORK,
          "payroll week"));
    }
    for (CompletionStage<?> each : asked) {
      each.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    var current = await(harness.admin.getPolicy().addHeader("authorization", bearer())
        .invoke(GetPolicyRequest.newBuilder().setName("default").build())).getPolicy();
    newVersion = await(harness.admin.updatePolicy().addHeader("authorization", bearer())
        .invoke(UpdatePolicyRequest.newBuilder().setPolicy(current.toBuilder()
            .addAllowlist(TargetRule.newBuilder().setSitePattern("queries.example.com"))).build()))
        .getPolicy().getVersion();
    await(harness.admin.assignPolicy().addHeader("authorization", bearer())
        .invoke(AssignPolicyRequest.newBuilder().setPolicyName("default").setPolicyVersion(newVersion)
            .setSelector(DeviceSelector.newBuilder().addAllDeviceIds(onNewVersion)).build()));

    Eventually.within(Duration.ofSeconds(60), () -> assertEquals(15,
        listExemptions(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).size(), "exemption requests in the read side"));
    List<io.fleetcontrol.proto.v1.Exemption> requests = listExemptions(ExemptionStatus.EXEMPTION_STATUS_REQUESTED);
    for (int i = 0; i < 10; i++) {
      var e = requests.get(i);
      if (i < 5) {
        await(harness.admin.approveExemption().addHeader("authorization", bearer())
            .invoke(ApproveExemptionRequest.newBuilder().setDeviceId(e.getDeviceId()).setExemptionId(e.getExemptionId())
                .setExpireTime(Timestamp.newBuilder().setSeconds(Instant.now().plusSeconds(3600).getEpochSecond()))
                .build()));
        exemptionOutcome.put(key(e), "APPROVED");
      } else {
        await(harness.admin.denyExemption().addHeader("authorization", bearer())
            .invoke(DenyExemptionRequest.newBuilder().setDeviceId(e.getDeviceId()).setExemptionId(e.getExemptionId())
                .setReason("not this week").build()));
        exemptionOutcome.put(key(e), "DENIED");
      }
    }
    for (int i = 10; i < 15; i++) {
      exemptionOutcome.put(key(requests.get(i)), "REQUESTED");
    }

    for (DeviceAgent agent : home.subList(500, 530)) {
      quiet.add(agent.deviceId());
      agent.goOffline(Duration.ofMinutes(10));
    }
    wentQuiet = Instant.now();
  }

  @AfterAll
  static void stop() throws Exception {
    if (fleet != null) {
      fleet.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Order(1)
  void quietDevicesTurnStaleThenOfflineInTheConfiguredTimes() {
    boolean sawStale = false;
    while (Duration.between(wentQuiet, Instant.now()).compareTo(OFFLINE_AFTER.plusSeconds(8)) < 0) {
      Map<String, ConnectionState> states = allDevices(ListDevicesRequest.newBuilder()).stream()
          .filter(d -> quiet.contains(d.getDeviceId()))
          .collect(Collectors.toMap(Device::getDeviceId, Device::getConnectionState));
      Duration quietFor = Duration.between(wentQuiet, Instant.now());
      // The last heartbeat came up to 10 s before going quiet, and the read side trails by about 2 s:
      // between these two marks every quiet device is certainly stale and certainly not offline.
      if (quietFor.compareTo(STALE_AFTER.plusSeconds(3)) > 0 && quietFor.compareTo(OFFLINE_AFTER.minusSeconds(12)) < 0) {
        assertTrue(states.values().stream().allMatch(s -> s == ConnectionState.CONNECTION_STATE_STALE),
            "stale between " + STALE_AFTER + " and " + OFFLINE_AFTER + " of silence, after " + quietFor + ": " + states);
        sawStale = true;
      }
      if (states.values().stream().allMatch(s -> s == ConnectionState.CONNECTION_STATE_OFFLINE)) {
        assertTrue(quietFor.compareTo(OFFLINE_AFTER.minusSeconds(11)) >= 0,
            "offline too early: " + quietFor + " (the last heartbeat can be up to 10 s before going quiet)");
        assertTrue(sawStale, "went offline without being seen stale");
        return;
      }
      sleep(1000);
    }
    fail("quiet devices not all offline " + OFFLINE_AFTER.plusSeconds(8) + " after going quiet");
  }

  @Test
  @Order(2)
  void theSummaryCountsWhatHappened() {
    Eventually.within(Duration.ofSeconds(30), () -> {
      GetFleetSummaryResponse summary = summary();
      assertEquals(AGENTS, summary.getTotal());
      assertEquals(quiet.size(), summary.getOffline(), summary.toString());
      assertEquals(AGENTS - quiet.size(), summary.getOnline(), summary.toString());
      assertEquals(List.of("default v1 " + (AGENTS - onNewVersion.size()), "default v" + newVersion + " " + onNewVersion.size()),
          summary.getByAppliedPolicyList().stream()
              .map(c -> c.getPolicy().getPolicyName() + " v" + c.getPolicy().getVersion() + " " + c.getDevices()).toList());
      assertEquals((long) paused.size(), summary.getByCaptureStateMap().get("CAPTURE_STATE_PAUSED"), summary.toString());
      assertEquals(identities().values().stream().filter(j -> j.equals("DE")).count(),
          summary.getByJurisdictionMap().get("DE"));
      assertEquals(AGENTS / 5, summary.getByLabelMap().get("team=eng"));
    });
  }

  @Test
  @Order(3)
  void everyFilterFindsExactlyTheDevicesItShould() {
    Set<String> all = identities().keySet();
    Set<String> germany = identities().entrySet().stream().filter(e -> e.getValue().equals("DE"))
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
    Predicate<String> notQuiet = id -> !quiet.contains(id);

    assertFilter(ListDevicesRequest.newBuilder().setConnectionState(ConnectionState.CONNECTION_STATE_OFFLINE), quiet);
    assertFilter(ListDevicesRequest.newBuilder().setConnectionState(ConnectionState.CONNECTION_STATE_ONLINE),
        all.stream().filter(notQuiet).collect(Collectors.toSet()));
    assertFilter(ListDevicesRequest.newBuilder().setConnectionState(ConnectionState.CONNECTION_STATE_STALE), Set.of());
    assertFilter(ListDevicesRequest.newBuilder().setCaptureState(CaptureState.CAPTURE_STATE_PAUSED), paused);
    assertFilter(ListDevicesRequest.newBuilder().setCaptureState(CaptureState.CAPTURE_STATE_REGION_BLOCKED), germany);
    assertFilter(ListDevicesRequest.newBuilder().setAppliedPolicy(defaultPolicy(newVersion)), onNewVersion);
    assertFilter(ListDevicesRequest.newBuilder().setAppliedPolicy(defaultPolicy(1)),
        all.stream().filter(id -> !onNewVersion.contains(id)).collect(Collectors.toSet()));
    assertFilter(ListDevicesRequest.newBuilder().setJurisdiction("DE"), germany);
    Set<String> engInNyc = fleet.agents().stream()
        .filter(a -> a.settings().identity().labels().equals(Map.of("team", "eng", "site", "nyc")))
        .map(DeviceAgent::deviceId).collect(Collectors.toSet());
    assertFalse(engInNyc.isEmpty());
    assertFilter(ListDevicesRequest.newBuilder().addLabels("team=eng").addLabels("site=nyc"), engInNyc);
    Timestamp cut = Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(25).getEpochSecond()).build();
    assertFilter(ListDevicesRequest.newBuilder().setLastSeenBefore(cut), quiet);
    assertFilter(ListDevicesRequest.newBuilder().setLastSeenAfter(cut),
        all.stream().filter(notQuiet).collect(Collectors.toSet()));
    // Filters combine: paused and on v1 is every paused device (none of them got the new version).
    assertFilter(ListDevicesRequest.newBuilder().setCaptureState(CaptureState.CAPTURE_STATE_PAUSED)
        .setAppliedPolicy(defaultPolicy(1)).setJurisdiction("US"), paused);
    // Another policy's version 1 is not the default policy's.
    assertFilter(ListDevicesRequest.newBuilder().setAppliedPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
        .setPolicyName("engineering").setVersion(1)), Set.of());
    assertFilter(ListDevicesRequest.newBuilder().setAppliedPolicy(io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
        .setPolicyName("default")), all);
  }

  private static io.fleetcontrol.proto.v1.PolicyVersion defaultPolicy(long version) {
    return io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName("default").setVersion(version).build();
  }

  @Test
  @Order(4)
  void pagingVisitsEveryDeviceExactlyOnce() {
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListDevicesResponse page = await(harness.admin.listDevices().addHeader("authorization", bearer())
          .invoke(ListDevicesRequest.newBuilder().setPageSize(37).setPageToken(token).build()));
      assertEquals(AGENTS, page.getTotalSize(), "total_size on every page");
      assertTrue(page.getDevicesCount() <= 37);
      page.getDevicesList().forEach(d -> seen.add(d.getDeviceId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(AGENTS, seen.size(), "no device twice");
    assertEquals(identities().keySet(), new HashSet<>(seen), "every device");
    assertEquals((AGENTS + 36) / 37, pages);
  }

  @Test
  @Order(5)
  void aChangeShowsInQueriesWithinFiveSeconds() throws Exception {
    DeviceAgent agent = fleet.agents().stream()
        .filter(a -> a.settings().identity().jurisdiction().equals("US"))
        .filter(a -> !paused.contains(a.deviceId()) && !quiet.contains(a.deviceId()))
        .filter(a -> !onNewVersion.contains(a.deviceId()))
        .findFirst().orElseThrow();
    Instant asked = Instant.now();
    assertTrue(agent.requestPause(Duration.ofMinutes(5)).toCompletableFuture().get(30, TimeUnit.SECONDS).accepted());
    Duration shown = untilListed(agent.deviceId(), CaptureState.CAPTURE_STATE_PAUSED, true, asked);
    System.out.printf("pause of %s shown in ListDevices after %d ms%n", agent.deviceId(), shown.toMillis());
    assertTrue(shown.compareTo(Duration.ofSeconds(5)) <= 0, "pause shown after " + shown);

    asked = Instant.now();
    assertTrue(agent.requestResume().toCompletableFuture().get(30, TimeUnit.SECONDS).accepted());
    shown = untilListed(agent.deviceId(), CaptureState.CAPTURE_STATE_PAUSED, false, asked);
    System.out.printf("resume of %s shown in ListDevices after %d ms%n", agent.deviceId(), shown.toMillis());
    assertTrue(shown.compareTo(Duration.ofSeconds(5)) <= 0, "resume shown after " + shown);
  }

  @Test
  @Order(6)
  void exemptionsAreListedByStatus() {
    for (String status : List.of("REQUESTED", "APPROVED", "DENIED")) {
      Set<String> expected = exemptionOutcome.entrySet().stream().filter(e -> e.getValue().equals(status))
          .map(Map.Entry::getKey).collect(Collectors.toSet());
      Eventually.within(Duration.ofSeconds(10), () -> assertEquals(expected,
          listExemptions(ExemptionStatus.valueOf("EXEMPTION_STATUS_" + status)).stream()
              .map(FleetQueriesIntegrationTest::key).collect(Collectors.toSet()), status));
    }
    // Paging through the queue, two at a time, sees each request once.
    List<String> seen = new ArrayList<>();
    String token = "";
    do {
      var page = await(harness.admin.listExemptions().addHeader("authorization", bearer())
          .invoke(ListExemptionsRequest.newBuilder().setPageSize(2).setPageToken(token).build()));
      page.getExemptionsList().forEach(e -> seen.add(key(e)));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(exemptionOutcome.size(), seen.size());
    assertEquals(exemptionOutcome.keySet(), new HashSet<>(seen));
  }

  @Test
  @Order(7)
  void theAuditTrailSaysWhoDidWhat() {
    Eventually.within(Duration.ofSeconds(15), () -> {
      List<AuditEvent> pauses = allAudit(ListAuditEventsRequest.newBuilder().setAction("pause.started"), 7);
      assertTrue(pauses.size() >= paused.size() + 1, "pauses: " + pauses.size());
      assertTrue(pauses.stream().allMatch(e -> e.getActor().equals("device:" + e.getDeviceId())), pauses.toString());
      List<AuditEvent> approvals = allAudit(ListAuditEventsRequest.newBuilder().setAction("exemption.approved"), 100);
      assertEquals(5, approvals.size());
      assertTrue(approvals.stream().allMatch(e -> e.getActor().equals("dev-admin")), approvals.toString());
      assertEquals(5, allAudit(ListAuditEventsRequest.newBuilder().setAction("exemption.denied"), 100).size());
      List<AuditEvent> updates = allAudit(ListAuditEventsRequest.newBuilder().setAction("policy.updated"), 100);
      assertEquals(1, updates.size(), updates.toString());
      assertEquals("dev-admin", updates.get(0).getActor());
      List<AuditEvent> assignedByAdmin = allAudit(ListAuditEventsRequest.newBuilder().setAction("policy.assigned"), 250)
          .stream().filter(e -> e.getActor().equals("dev-admin")).toList();
      assertEquals(onNewVersion, assignedByAdmin.stream().map(AuditEvent::getDeviceId).collect(Collectors.toSet()));
    });
    // Newest first, each event once across pages.
    List<AuditEvent> everything = allAudit(ListAuditEventsRequest.newBuilder(), 333);
    Set<String> distinct = everything.stream()
        .map(e -> e.getEventTime() + e.getAction() + e.getDeviceId() + e.getDetail()).collect(Collectors.toSet());
    assertEquals(everything.size(), distinct.size(), "an event twice across pages");
    for (int i = 1; i < everything.size(); i++) {
      Instant before = toInstant(everything.get(i - 1).getEventTime());
      assertFalse(toInstant(everything.get(i).getEventTime()).isAfter(before), "newest first at " + i);
    }
    String device = paused.iterator().next();
    List<String> history = await(harness.admin.getDevice().addHeader("authorization", bearer())
        .invoke(GetDeviceRequest.newBuilder().setDeviceId(device).build())).getHistoryList().stream()
        .map(AuditEvent::getAction).toList();
    assertEquals(List.of("device.enrolled", "policy.assigned", "policy.applied", "pause.started"), history);
    assertEquals(history.size(), allAudit(ListAuditEventsRequest.newBuilder().setDeviceId(device), 1).size());
  }

  @Test
  @Order(8)
  void badQueriesAreRefusedWithNoPartialAnswer() {
    ListDevicesResponse first = await(harness.admin.listDevices().addHeader("authorization", bearer())
        .invoke(ListDevicesRequest.newBuilder().setPageSize(10).setJurisdiction("US").build()));
    String token = first.getNextPageToken();
    assertFalse(token.isEmpty());
    assertInvalid(ListDevicesRequest.newBuilder().setPageSize(10).setJurisdiction("DE").setPageToken(token),
        "page_token was issued for other filters");
    char[] chars = token.toCharArray();
    chars[5] = chars[5] == 'A' ? 'B' : 'A';
    assertInvalid(ListDevicesRequest.newBuilder().setPageSize(10).setJurisdiction("US").setPageToken(new String(chars)),
        "page_token is not a token this server issued");
    assertInvalid(ListDevicesRequest.newBuilder().setPageSize(1001), "page_size must be between 1 and 1000");
    assertInvalid(ListDevicesRequest.newBuilder().setConnectionStateValue(9), "connection_state 9 is not a known state");
    assertInvalid(ListDevicesRequest.newBuilder().setJurisdiction("germany"), "jurisdiction");
    assertInvalid(ListDevicesRequest.newBuilder().addLabels("team"), "labels: ");
    Timestamp now = Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()).build();
    assertInvalid(ListDevicesRequest.newBuilder().setLastSeenAfter(now).setLastSeenBefore(now),
        "last_seen_after must be before last_seen_before");
    // The same token on the same filters still works: refusals changed nothing.
    assertEquals(10, await(harness.admin.listDevices().addHeader("authorization", bearer())
        .invoke(ListDevicesRequest.newBuilder().setPageSize(10).setJurisdiction("US").setPageToken(token).build()))
        .getDevicesCount());
  }

  // ---- helpers ----

  /** Exemption ids are per device. */
  private static String key(io.fleetcontrol.proto.v1.Exemption e) {
    return e.getDeviceId() + "/" + e.getExemptionId();
  }

  private static Duration untilListed(String deviceId, CaptureState state, boolean present, Instant since) {
    Instant giveUp = since.plusSeconds(30);
    while (Instant.now().isBefore(giveUp)) {
      boolean listed = allDevices(ListDevicesRequest.newBuilder().setCaptureState(state)).stream()
          .anyMatch(d -> d.getDeviceId().equals(deviceId));
      if (listed == present) {
        return Duration.between(since, Instant.now());
      }
      sleep(100);
    }
    return Duration.ofSeconds(30);
  }

  private static void assertFilter(ListDevicesRequest.Builder filter, Set<String> expected) {
    List<String> found = allDevices(filter).stream().map(Device::getDeviceId).toList();
    assertEquals(found.size(), new HashSet<>(found).size(), "a device twice for " + filter.build());
    assertEquals(new TreeSet<>(expected), new TreeSet<>(found), "devices for " + filter.build());
  }

  private static List<Device> allDevices(ListDevicesRequest.Builder filter) {
    List<Device> devices = new ArrayList<>();
    String token = "";
    do {
      ListDevicesResponse page = await(harness.admin.listDevices().addHeader("authorization", bearer())
          .invoke(filter.clone().setPageSize(97).setPageToken(token).build()));
      devices.addAll(page.getDevicesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return devices;
  }

  private static List<AuditEvent> allAudit(ListAuditEventsRequest.Builder filter, int pageSize) {
    List<AuditEvent> events = new ArrayList<>();
    String token = "";
    do {
      ListAuditEventsResponse page = await(harness.admin.listAuditEvents().addHeader("authorization", bearer())
          .invoke(filter.clone().setPageSize(pageSize).setPageToken(token).build()));
      events.addAll(page.getEventsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return events;
  }

  private static List<io.fleetcontrol.proto.v1.Exemption> listExemptions(ExemptionStatus status) {
    return await(harness.admin.listExemptions().addHeader("authorization", bearer())
        .invoke(ListExemptionsRequest.newBuilder().setStatus(status).setPageSize(1000).build())).getExemptionsList();
  }

  private static Map<String, String> identities() {
    return fleet.agents().stream().collect(Collectors.toMap(DeviceAgent::deviceId,
        a -> a.settings().identity().jurisdiction()));
  }

  private static GetFleetSummaryResponse summary() {
    return await(harness.admin.getFleetSummary().addHeader("authorization", bearer())
        .invoke(GetFleetSummaryRequest.getDefaultInstance()));
  }

  private static void assertInvalid(ListDevicesRequest.Builder request, String expected) {
    try {
      await(harness.admin.listDevices().addHeader("authorization", bearer()).invoke(request.build()));
      fail("accepted: " + request.build());
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
      assertTrue(e.getStatus().getDescription().contains(expected), e.getStatus().getDescription());
    }
  }

  private static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static String bearer() {
    return "Bearer " + FleetHarness.ADMIN_TOKEN;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
