package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The walking skeleton end to end on the real parts: Cassandra started by deploy/cassandra.sh, a
 * controller node, 100 simulated agents on their gRPC streams, and the admin API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingSkeletonIntegrationTest {

  private static final int AGENTS = 100;
  private static FleetHarness harness;
  private static FleetSimulator fleet;

  @BeforeAll
  static void start() {
    harness = new FleetHarness();
    AgentSettings base =
        AgentSettings.fromConfig(harness.clientSystem.settings().config())
            .withController(harness.controllerAddress())
            .withEnrollmentToken(harness.enrollmentToken);
    // A steady fleet: the test counts every agent online, so none may drop its network on purpose.
    fleet = FleetSimulator.start(harness.clientSystem,
        SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
        AGENTS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (fleet != null) {
      fleet.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (harness != null) {
      harness.close();
    }
  }

  static GetFleetSummaryResponse summary() throws Exception {
    return harness.admin.getFleetSummary()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(GetFleetSummaryRequest.getDefaultInstance())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  static Device device(String id) throws Exception {
    GetDeviceResponse response =
        harness.admin.getDevice()
            .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(GetDeviceRequest.newBuilder().setDeviceId(id).build())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return response.getDevice();
  }

  static ListDevicesResponse listPage(int pageSize, String token) throws Exception {
    return harness.admin.listDevices()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(ListDevicesRequest.newBuilder().setPageSize(pageSize).setPageToken(token).build())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  static String simId(int n) {
    return String.format("sim-%05d", n);
  }

  @Test
  @Order(1)
  void allAgentsComeOnlineAndApplyThePolicy() throws Exception {
    Eventually.within(Duration.ofSeconds(120), () -> {
      GetFleetSummaryResponse s = summary();
      assertEquals(AGENTS, s.getTotal(), "enrolled devices in the read side");
      assertEquals(AGENTS, s.getOnline(), "online devices");
      assertEquals(List.of("default v1 " + AGENTS), s.getByAppliedPolicyList().stream()
          .map(c -> c.getPolicy().getPolicyName() + " v" + c.getPolicy().getVersion() + " " + c.getDevices()).toList(),
          "applied policy versions");
    });
    assertEquals(Map.of(1L, AGENTS), fleet.appliedVersionCounts());
    GetFleetSummaryResponse s = summary();
    assertEquals(0, s.getStale());
    assertEquals(0, s.getOffline());
    // The simulator puts a few devices outside the US: the decision blocks them, everyone else is active.
    long blocked = s.getByCaptureStateMap().getOrDefault("CAPTURE_STATE_REGION_BLOCKED", 0L);
    long active = s.getByCaptureStateMap().getOrDefault("CAPTURE_STATE_ACTIVE", 0L);
    assertEquals(AGENTS, blocked + active, s.getByCaptureStateMap().toString());
    assertEquals(AGENTS - s.getByJurisdictionMap().getOrDefault("US", 0L), blocked);
  }

  @Test
  @Order(2)
  void listingPagesThroughEveryDeviceExactlyOnce() throws Exception {
    Set<String> seen = new HashSet<>();
    int pages = 0;
    String token = "";
    do {
      ListDevicesResponse page = listPage(30, token);
      pages++;
      for (Device d : page.getDevicesList()) {
        assertTrue(seen.add(d.getDeviceId()), "device listed twice: " + d.getDeviceId());
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(AGENTS, seen.size());
    assertEquals(4, pages);
  }

  @Test
  @Order(3)
  void heartbeatsDoNotGrowTheJournal() throws Exception {
    long before = journaledEventCount();
    // Several heartbeat intervals of the starter policy (10 s) pass with 100 agents online.
    Thread.sleep(25_000);
    assertEquals(AGENTS, summary().getOnline());
    assertEquals(before, journaledEventCount(), "heartbeats must not be journaled");

    // ...but the controller keeps their roll-up: the simulated laptop's uploads and agent numbers.
    Device one = device(simId(3));
    assertTrue(one.getHealth().getSamplesLastHour() >= 3, one.getHealth().toString());
    assertTrue(one.getHealth().getUploadedBytesPerHour() > 0, one.getHealth().toString());
    assertTrue(one.getHealth().getAgentRssBytesMax() > 0, one.getHealth().toString());
    assertTrue(one.getLatestTelemetry().getBatteryKnown());
  }

  /** Events in the journal across all device tags, read through the Cassandra read journal. */
  private static long journaledEventCount() throws Exception {
    CassandraReadJournal journal =
        PersistenceQuery.get(harness.controllerSystem())
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    long total = 0;
    for (int n = 1; n <= AGENTS; n++) {
      total +=
          journal
              .currentEventsByPersistenceId("Device|" + simId(n), 0, Long.MAX_VALUE)
              .runWith(Sink.fold(0L, (count, e) -> count + 1), harness.controllerSystem())
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
    }
    return total;
  }

  @Test
  @Order(4)
  void factsComeBackFromCassandraAfterAControllerRestart() throws Exception {
    Device before = device(simId(7));
    assertEquals(1, before.getAppliedPolicy().getVersion());
    assertTrue(before.hasEnrollTime());

    harness.restartController();

    // Straight after the restart the entity recovers its facts from the journal.
    Device after = device(simId(7));
    assertEquals(before.getOwner(), after.getOwner());
    assertEquals(before.getEnrollTime(), after.getEnrollTime());
    assertEquals(1, after.getAppliedPolicy().getVersion());
    assertEquals(1, after.getTargetPolicy().getVersion());
    for (int n = 1; n <= AGENTS; n++) {
      Device d = device(simId(n));
      assertEquals(1, d.getAppliedPolicy().getVersion(), d.getDeviceId());
      assertFalse(d.getOwner().isEmpty(), d.getDeviceId());
    }
    // And the agents find the new node by themselves.
    Eventually.within(Duration.ofSeconds(90), () -> {
      GetFleetSummaryResponse s = summary();
      assertEquals(AGENTS, s.getTotal());
      assertEquals(AGENTS, s.getOnline());
    });
    assertNotNull(fleet.appliedVersionCounts().get(1L));
  }
}
