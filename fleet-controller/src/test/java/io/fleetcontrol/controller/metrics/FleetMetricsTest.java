package io.fleetcontrol.controller.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.PolicyVersion;
import io.fleetcontrol.proto.v1.PolicyVersionCount;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FleetMetricsTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private final FleetMetrics metrics = FleetMetrics.get(kit.system());

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** The value of the one sample whose name and labels start with {@code series}, if there is one. */
  static Optional<Double> sample(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + "[,}]?[^ ]* ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE)
        .matcher(scrape);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }

  @Test
  void countersAreNamedTheWayPrometheusExpectsAndExistBeforeTheFirstEvent() {
    String before = metrics.scrape();
    assertTrue(sample(before, "fleet_agent_heartbeats_total{outcome=\"over_rate\"").isPresent(), before);
    assertTrue(sample(before, "fleet_agent_enrollments_total{outcome=\"unavailable\"").isPresent());
    assertTrue(sample(before, "fleet_rollout_waves_total{outcome=\"failed\"").isPresent());
    assertTrue(sample(before, "jvm_memory_used_bytes").isPresent(), "JVM meters are bound");
    double accepted = sample(before, "fleet_agent_heartbeats_total{outcome=\"accepted\"").orElseThrow();

    metrics.heartbeat(FleetMetrics.HeartbeatOutcome.ACCEPTED);
    metrics.heartbeat(FleetMetrics.HeartbeatOutcome.ACCEPTED);
    metrics.request(ConnectRequest.MessageCase.PAUSE_REQUEST, FleetMetrics.RequestOutcome.REFUSED);

    String after = metrics.scrape();
    assertEquals(accepted + 2, sample(after, "fleet_agent_heartbeats_total{outcome=\"accepted\"").orElseThrow());
    assertEquals(1.0, sample(after, "fleet_agent_requests_total{kind=\"pause_request\",outcome=\"refused\"")
        .orElseThrow(), after);
  }

  @Test
  void theFleetGaugesFollowTheSummaryAndDropVersionsNoDeviceIsOnAnyMore() {
    metrics.fleet(GetFleetSummaryResponse.newBuilder().setTotal(7).setOnline(4).setStale(1).setOffline(2)
        .putByCaptureState("CAPTURE_STATE_ACTIVE", 3)
        .addByAppliedPolicy(count("default", 1, 5)).addByAppliedPolicy(count("default", 2, 2)).build());
    String first = metrics.scrape();
    assertEquals(4.0, sample(first, "fleet_devices{connection=\"online\"").orElseThrow(), first);
    assertEquals(2.0, sample(first, "fleet_devices{connection=\"offline\"").orElseThrow());
    assertEquals(3.0, sample(first, "fleet_devices_capture{state=\"active\"").orElseThrow());
    assertEquals(0.0, sample(first, "fleet_devices_capture{state=\"paused\"").orElseThrow(), "every state has a series");
    assertEquals(5.0, sample(first, "fleet_devices_policy{policy=\"default\",version=\"1\"").orElseThrow());

    metrics.fleet(GetFleetSummaryResponse.newBuilder().setTotal(7).setOnline(7)
        .addByAppliedPolicy(count("default", 2, 7)).build());
    String second = metrics.scrape();
    assertEquals(7.0, sample(second, "fleet_devices_policy{policy=\"default\",version=\"2\"").orElseThrow());
    assertFalse(sample(second, "fleet_devices_policy{policy=\"default\",version=\"1\"").isPresent(),
        "a version no device is on has no series left");
  }

  @Test
  void deviceEntitiesAreCountedByTheirStartsAndStops() {
    var lifecycle = metrics.deviceLifecycle();
    lifecycle.recovered(java.time.Duration.ofMillis(30));
    lifecycle.recovered(java.time.Duration.ofMillis(50));
    lifecycle.recoveryFailed(java.time.Duration.ofSeconds(10));
    lifecycle.stopped();
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("fleet_entities_running{entity=\"device\"} 1.0"), scrape);
    assertTrue(scrape.contains("fleet_entity_recovery_seconds_count{entity=\"device\",outcome=\"completed\"} 2"), scrape);
    assertTrue(scrape.contains("fleet_entity_recovery_seconds_sum{entity=\"device\",outcome=\"completed\"} 0.08"), scrape);
    assertTrue(scrape.contains("fleet_entity_recovery_seconds_count{entity=\"device\",outcome=\"failed\"} 1"), scrape);
  }

  @Test
  void journalWritesAreTimedByOutcome() {
    metrics.journalWrite(4_000_000, true);
    metrics.journalWrite(2_000_000_000L, false);
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("fleet_journal_write_seconds_count{outcome=\"ok\"} 1"), scrape);
    assertTrue(scrape.contains("fleet_journal_write_seconds_bucket{outcome=\"ok\",le=\"0.005\"} 1"), scrape);
    assertTrue(scrape.contains("fleet_journal_write_seconds_sum{outcome=\"error\"} 2.0"), scrape);
  }

  @Test
  void aRunningRolloutHasGaugesUntilItStops() {
    metrics.rollouts(List.of(new FleetMetrics.RunningWave("default", "default-3", 1, 100, 40)));
    String running = metrics.scrape();
    assertEquals(40.0, sample(running, "fleet_rollout_acked{policy=\"default\",rollout=\"default-3\"")
        .orElseThrow(), running);
    assertEquals(2.0, sample(running, "fleet_rollout_wave{policy=\"default\",rollout=\"default-3\"").orElseThrow(),
        "waves count from 1 for people");
    metrics.rollouts(List.of());
    assertFalse(sample(metrics.scrape(), "fleet_rollout_acked{policy=\"default\"").isPresent());
  }

  @Test
  void theReadSideLagIsTheAgeOfTheNewestEventWrittenInSeconds() {
    Instant now = Instant.parse("2026-12-02T10:00:10Z");
    metrics.projected("device-directory-device-0", now.minusMillis(2500), now);
    assertEquals(2.5, sample(metrics.scrape(), "fleet_read_side_lag_seconds{projection=\"device-directory-device-0\"")
        .orElseThrow());
  }

  @Test
  void clusterMembersStayReadableAfterAGarbageCollection() {
    metrics.clusterMembers(() -> java.util.Map.of("up", 3L));
    System.gc();
    assertEquals(3.0, sample(metrics.scrape(), "fleet_cluster_members{status=\"up\"").orElseThrow());
    assertEquals(0.0, sample(metrics.scrape(), "fleet_cluster_members{status=\"unreachable\"").orElseThrow());
  }

  @Test
  void aStoppedProjectionsLagSeriesGoesAway() {
    Instant now = Instant.parse("2026-12-02T10:00:10Z");
    metrics.projected("device-directory-device-3", now.minusSeconds(4), now);
    assertTrue(sample(metrics.scrape(), "fleet_read_side_lag_seconds{projection=\"device-directory-device-3\"").isPresent());
    metrics.projectionStopped("device-directory-device-3");
    assertFalse(sample(metrics.scrape(), "fleet_read_side_lag_seconds{projection=\"device-directory-device-3\"").isPresent(),
        "the node running it now reports it; this one must not keep its last value");
  }

  private static PolicyVersionCount count(String policy, long version, long devices) {
    return PolicyVersionCount.newBuilder()
        .setPolicy(PolicyVersion.newBuilder().setPolicyName(policy).setVersion(version)).setDevices(devices).build();
  }
}
