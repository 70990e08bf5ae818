package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.NoticeAcknowledgement;
import io.fleetcontrol.proto.v1.PauseRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One client cannot hurt the others: rate limits on a device's stream and on Enroll per address. */
class StreamLimitsIntegrationTest {

  private static final int ENROLL_BURST = 5;
  private static FleetHarness harness;
  private static final Map<String, String> credentials = new java.util.HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    harness = new FleetHarness(Map.of(
        "fleet.limits.enroll-per-address.burst", ENROLL_BURST,
        // Next to no refill, so the count does not depend on how long the tests take.
        "fleet.limits.enroll-per-address.per-minute", 0.001,
        // A silent stream is closed after one missed 10 s interval (3 in production), to keep the test short.
        "fleet.limits.missed-heartbeats", 1));
    // The enroll limit is per address, and every test here calls from 127.0.0.1: these three
    // enrollments spend four of the burst before any test runs.
    for (String device : List.of("flooder-1", "quiet-1", "live-1", "reconnector-1")) {
      credentials.put(device, enroll(device));
    }
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static EnrollRequest enrollment(String deviceId) {
    return EnrollRequest.newBuilder()
        .setEnrollmentToken(harness.enrollmentToken)
        .setEnrollmentId(UUID.randomUUID().toString())
        .setDeviceId(deviceId)
        .setOwner(deviceId + "@example.com")
        .setJurisdiction("US")
        .build();
  }

  private static String enroll(String deviceId) throws Exception {
    return harness.agentClient.enroll(enrollment(deviceId)).toCompletableFuture().get(15, TimeUnit.SECONDS)
        .getDeviceCredential();
  }

  @Test
  void enrollCallsFromOneAddressPastTheBurstAreRefusedNamingTheLimitAndEnrollNothing() throws Exception {
    // Four of the burst went to the other tests' devices.
    List<StatusRuntimeException> refused = new ArrayList<>();
    int enrolled = 0;
    for (int i = 0; i < ENROLL_BURST + 3; i++) {
      try {
        enroll("burst-" + i);
        enrolled++;
      } catch (ExecutionException e) {
        refused.add((StatusRuntimeException) e.getCause());
      }
    }
    assertEquals(1, enrolled, "one left of the burst");
    assertTrue(refused.size() >= ENROLL_BURST + 1, "refusals: " + refused.size());
    StatusRuntimeException first = refused.get(0);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, first.getStatus().getCode());
    assertTrue(first.getStatus().getDescription().contains("fleet.limits.enroll-per-address"),
        first.getStatus().getDescription());
    var missing = harness.admin.getDevice().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(io.fleetcontrol.proto.v1.GetDeviceRequest.newBuilder().setDeviceId("burst-" + (ENROLL_BURST + 2)).build());
    ExecutionException notThere = assertThrows(ExecutionException.class,
        () -> missing.toCompletableFuture().get(15, TimeUnit.SECONDS));
    assertEquals(Status.Code.NOT_FOUND, ((StatusRuntimeException) notThere.getCause()).getStatus().getCode());
  }

  @Test
  void aDeviceFloodingItsStreamWithRequestsIsRefusedNamingTheLimitAndTheStreamStaysUp() throws Exception {
    String credential = credentials.get("flooder-1");
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "flooder-1", credential)) {
      var version = stream.applyPolicy();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        // Notice acks of the applied policy: harmless, each one a request the entity answers.
        ids.add(stream.send(ConnectRequest.newBuilder()
            .setNoticeAcknowledgement(NoticeAcknowledgement.newBuilder().setPolicy(version))));
      }
      int limited = 0;
      String limitMessage = null;
      for (String id : ids) {
        ConnectResponse ack = stream.ackOf(id);
        if (!ack.getRequestAck().getAccepted() && ack.getRequestAck().getMessage().contains("too many requests")) {
          limited++;
          limitMessage = ack.getRequestAck().getMessage();
        }
      }
      // Burst 10, one of which the policy ack took: about 20 of the 30 are refused.
      assertTrue(limited >= 15, "refused for the rate: " + limited);
      assertTrue(limitMessage.contains("20 per minute (burst 10)"), limitMessage);
      assertFalse(stream.ended.toCompletableFuture().isDone(), "the stream stays up");
      // Heartbeats are not requests: the device still counts as alive.
      stream.send(ConnectRequest.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()));
      String pause = stream.send(ConnectRequest.newBuilder()
          .setPauseRequest(PauseRequest.newBuilder().setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(60))));
      ConnectResponse stillLimited = stream.ackOf(pause);
      assertFalse(stillLimited.getRequestAck().getAccepted(), "still limited, but answered");
      assertTrue(stillLimited.getRequestAck().getMessage().contains("fleet.limits.stream-requests"),
          stillLimited.getRequestAck().getMessage());
    }
  }

  @Test
  void aDeviceDoesNotGetANewAllowanceByReconnectingAndCannotReconnectInALoop() throws Exception {
    String credential = credentials.get("reconnector-1");
    try (RawAgentStream first = new RawAgentStream(harness.agentClient, harness.clientSystem, "reconnector-1", credential)) {
      var version = first.applyPolicy();
      for (int i = 0; i < 15; i++) {
        first.ackOf(first.send(ConnectRequest.newBuilder()
            .setNoticeAcknowledgement(NoticeAcknowledgement.newBuilder().setPolicy(version))));
      }
    }
    try (RawAgentStream second = new RawAgentStream(harness.agentClient, harness.clientSystem, "reconnector-1", credential)) {
      var policy = second.next(ConnectResponse::hasPolicyUpdate, Duration.ofSeconds(15)).getPolicyUpdate().getPolicy();
      var version = io.fleetcontrol.proto.v1.PolicyVersion.newBuilder()
          .setPolicyName(policy.getName()).setVersion(policy.getVersion()).build();
      // A fresh allowance would take all five; the spent one has refilled a token every 3 s at most.
      int refused = 0;
      for (int i = 0; i < 5; i++) {
        ConnectResponse ack = second.ackOf(second.send(ConnectRequest.newBuilder()
            .setNoticeAcknowledgement(NoticeAcknowledgement.newBuilder().setPolicy(version))));
        if (!ack.getRequestAck().getAccepted() && ack.getRequestAck().getMessage().contains("fleet.limits.stream-requests")) {
          refused++;
        }
      }
      assertTrue(refused >= 3, "the allowance spent on the first stream stays spent: " + refused + " of 5 refused");
    }
    // Two connects so far; the burst of 10 runs out in a loop of reconnects.
    StatusRuntimeException refused = null;
    for (int i = 0; i < 12 && refused == null; i++) {
      try (RawAgentStream again = new RawAgentStream(harness.agentClient, harness.clientSystem, "reconnector-1", credential)) {
        var outcome = again.ended.toCompletableFuture();
        try {
          again.next(ConnectResponse::hasPolicyUpdate, Duration.ofSeconds(5));
        } catch (AssertionError noPolicy) {
          ExecutionException e = assertThrows(ExecutionException.class, () -> outcome.get(5, TimeUnit.SECONDS));
          refused = (StatusRuntimeException) e.getCause();
        }
      }
    }
    assertTrue(refused != null, "a reconnect loop is refused");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("fleet.limits.connects-per-device"),
        refused.getStatus().getDescription());
  }

  @Test
  void aStreamWithoutHeartbeatsIsClosedAndOneThatHeartbeatsIsNot() throws Exception {
    String quietCredential = credentials.get("quiet-1");
    String liveCredential = credentials.get("live-1");
    try (RawAgentStream quiet = new RawAgentStream(harness.agentClient, harness.clientSystem, "quiet-1", quietCredential);
        RawAgentStream live = new RawAgentStream(harness.agentClient, harness.clientSystem, "live-1", liveCredential)) {
      quiet.applyPolicy();
      live.applyPolicy();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!quiet.ended.toCompletableFuture().isDone() && System.nanoTime() < deadline) {
        live.send(ConnectRequest.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()));
        Thread.sleep(2000);
      }
      ExecutionException closed = assertThrows(ExecutionException.class,
          () -> quiet.ended.toCompletableFuture().get(1, TimeUnit.SECONDS), "the silent stream was closed");
      Status status = ((StatusRuntimeException) closed.getCause()).getStatus();
      assertEquals(Status.Code.UNAVAILABLE, status.getCode());
      assertTrue(status.getDescription().contains("no heartbeat"), status.getDescription());
      assertFalse(live.ended.toCompletableFuture().isDone(), "the heartbeating stream is still open");
    }
  }
}
