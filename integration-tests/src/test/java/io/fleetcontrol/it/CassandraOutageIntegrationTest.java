package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.simulator.FaultSwitches;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: Cassandra stopped and started again under a connected fleet. During the outage a
 * device's write is answered UNAVAILABLE (never a refusal) within the ask timeout; once Cassandra
 * answers, the same write is accepted within seconds, and what was accepted is there afterwards.
 */
class CassandraOutageIntegrationTest {

  private static final int AGENTS = 3;
  private static final String BEARER = "Bearer " + FleetHarness.ADMIN_TOKEN;
  private static FleetHarness harness;
  private static FleetSimulator fleet;

  /**
   * {@code -Doutage.baseline=true}: the journal's and the driver's own defaults (breakers reset after
   * 30 s and 60 s, reconnection backed off up to 60 s), to measure what the project's settings change.
   */
  private static final Map<String, Object> BASELINE = Map.of(
      "pekko.persistence.cassandra.journal.circuit-breaker.reset-timeout", "30s",
      "pekko.persistence.cassandra.snapshot.circuit-breaker.reset-timeout", "60s",
      "datastax-java-driver.advanced.reconnection-policy.base-delay", "1 second",
      "datastax-java-driver.advanced.reconnection-policy.max-delay", "60 seconds");

  @BeforeAll
  static void start() {
    harness = new FleetHarness(Boolean.getBoolean("outage.baseline") ? BASELINE : Map.of());
    fleet = harness.simulate(AGENTS, new FaultSwitches());
    harness.awaitFleetReady(fleet, AGENTS);
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void aDevicesWriteIsUnavailableDuringTheOutageAndAcceptedSecondsAfterIt() throws Exception {
    String device = fleet.agents().get(0).deviceId();
    long v2 = harness.newVersionOfDefault("outage.example.com");

    harness.cassandra.stop();
    List<Status.Code> duringOutage = new ArrayList<>();
    long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < outageEnds) {
      long asked = System.nanoTime();
      Status answer = assign(device, v2);
      assertTrue(System.nanoTime() - asked < TimeUnit.SECONDS.toNanos(15),
          "an answer within the ask timeout (5 s) and the call's own deadline, not a hang");
      duringOutage.add(answer.getCode());
    }
    assertTrue(duringOutage.stream().allMatch(code -> code == Status.Code.UNAVAILABLE),
        "every write in the outage answered UNAVAILABLE (retry), never a refusal: " + duringOutage);
    // Pekko Management answers "not ready" with 500 and the check that said no.
    assertEquals(500, readyStatus(), "/ready says no while Cassandra does not answer");

    harness.cassandra.start();
    long back = System.nanoTime();
    Status accepted;
    int tries = 0;
    do {
      accepted = assign(device, v2);
      tries++;
      if (!accepted.isOk()) {
        assertEquals(Status.Code.UNAVAILABLE, accepted.getCode(), accepted.toString());
        Thread.sleep(200);
      }
    } while (!accepted.isOk() && System.nanoTime() - back < TimeUnit.SECONDS.toNanos(90));
    double seconds = (System.nanoTime() - back) / 1e9;
    System.out.printf("issue 19: first device write accepted %.1f s after Cassandra answered again (%d tries)%n",
        seconds, tries);
    assertTrue(accepted.isOk(), "no write accepted 90 s after Cassandra was back: " + accepted);

    Eventually.within(Duration.ofSeconds(30), () -> assertEquals(200, readyStatus(), "/ready once Cassandra is back"));

    // What was acknowledged is there: the entity's target, then the agent running it.
    Eventually.within(Duration.ofSeconds(60), () -> assertEquals(v2, harness.admin.getDevice()
        .addHeader("authorization", BEARER).invoke(GetDeviceRequest.newBuilder().setDeviceId(device).build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).getDevice().getTargetPolicy().getVersion()));
    Eventually.within(Duration.ofSeconds(60), () -> assertEquals(Map.of(1L, AGENTS - 1, v2, 1),
        fleet.appliedVersionCounts()));
  }

  private static int readyStatus() throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + harness.managementPort + "/ready"))
        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static Status assign(String device, long version) {
    try {
      harness.admin.assignPolicy().addHeader("authorization", BEARER)
          .invoke(AssignPolicyRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
              .setSelector(DeviceSelector.newBuilder().addDeviceIds(device)).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      return Status.OK;
    } catch (Exception e) {
      return Status.fromThrowable(e);
    }
  }
}
