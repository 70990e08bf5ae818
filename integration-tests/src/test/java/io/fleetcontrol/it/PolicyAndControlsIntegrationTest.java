package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.*;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The employees' controls on the real Cassandra: pauses and exemptions end by themselves on time,
 * across a controller restart; jurisdictions block whatever else is set; bad policies create nothing.
 */
class PolicyAndControlsIntegrationTest {

  private static FleetHarness harness;

  @BeforeAll
  static void start() {
    harness = new FleetHarness();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private static <T> T await(CompletionStage<T> call) throws Exception {
    return call.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static String enroll(String id, String jurisdiction) throws Exception {
    return await(harness.agentClient.enroll(EnrollRequest.newBuilder()
            .setEnrollmentToken(harness.enrollmentToken)
            .setEnrollmentId(java.util.UUID.randomUUID().toString())
            .setDeviceId(id)
            .setOwner(id + "@example.com")
            .setJurisdiction(jurisdiction)
            .setTimeZone("America/New_York")
            .putLabels("team", "controls")
            .build()))
        .getDeviceCredential();
  }

  private static Device device(String id) throws Exception {
    return await(harness.admin.getDevice()
            .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(GetDeviceRequest.newBuilder().setDeviceId(id).build()))
        .getDevice();
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void aPauseSurvivesAControllerRestartAndEndsOnTimeAndTheAgentIsTold() throws Exception {
    String credential = enroll("pauser-1", "US");
    Instant pauseEnd;
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "pauser-1", credential)) {
      stream.applyPolicy();
      String id = stream.send(ConnectRequest.newBuilder()
          .setPauseRequest(PauseRequest.newBuilder().setDuration(seconds(25))));
      ConnectResponse ack = stream.ackOf(id);
      assertTrue(ack.getRequestAck().getAccepted(), ack.getRequestAck().getMessage());
      PauseUpdate update = stream.next(r -> r.hasPauseUpdate() && r.getPauseUpdate().hasActivePause(),
          Duration.ofSeconds(10)).getPauseUpdate();
      assertEquals(-1, update.getPausesLeftToday(), "the default policy has no daily limit");
      pauseEnd = Instant.ofEpochSecond(update.getActivePause().getEndTime().getSeconds(),
          update.getActivePause().getEndTime().getNanos());
      assertEquals(CaptureState.CAPTURE_STATE_PAUSED, device("pauser-1").getCaptureState());

      // A second pause while one runs is refused and changes nothing.
      String again = stream.send(ConnectRequest.newBuilder()
          .setPauseRequest(PauseRequest.newBuilder().setDuration(seconds(60))));
      assertFalse(stream.ackOf(again).getRequestAck().getAccepted());
    }

    harness.restartController();

    Device recovered = device("pauser-1");
    assertTrue(recovered.hasActivePause(), "the pause is a persisted fact");
    assertEquals(pauseEnd.getEpochSecond(), recovered.getActivePause().getEndTime().getSeconds());

    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "pauser-1", credential)) {
      PauseUpdate onConnect = stream.next(ConnectResponse::hasPauseUpdate, Duration.ofSeconds(15)).getPauseUpdate();
      assertTrue(onConnect.hasActivePause(), "a fresh stream learns of the running pause");
      PauseUpdate ended = stream.next(r -> r.hasPauseUpdate() && !r.getPauseUpdate().hasActivePause(),
          Duration.ofSeconds(60)).getPauseUpdate();
      Instant told = Instant.now();
      assertFalse(ended.hasActivePause());
      assertFalse(told.isBefore(pauseEnd.minusMillis(500)), "ended early: told at " + told + ", end " + pauseEnd);
      assertTrue(told.isBefore(pauseEnd.plusSeconds(10)), "ended late: told at " + told + ", end " + pauseEnd);
    }
    Device after = device("pauser-1");
    assertFalse(after.hasActivePause());
    assertEquals(CaptureState.CAPTURE_STATE_ACTIVE, after.getCaptureState());
  }

  @Test
  void pauseLongerThanThePolicyAllowsIsRefusedWithTheReason() throws Exception {
    String credential = enroll("pauser-2", "US");
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "pauser-2", credential)) {
      stream.applyPolicy();
      String id = stream.send(ConnectRequest.newBuilder()
          .setPauseRequest(PauseRequest.newBuilder().setDuration(seconds(31 * 60))));
      RequestAck ack = stream.ackOf(id).getRequestAck();
      assertFalse(ack.getAccepted());
      assertTrue(ack.getMessage().contains("30 minutes"), ack.getMessage());
    }
    assertFalse(device("pauser-2").hasActivePause());
  }

  @Test
  void anApprovedExemptionEndsByItselfAtItsExpiry() throws Exception {
    String credential = enroll("exempt-1", "US");
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "exempt-1", credential)) {
      stream.applyPolicy();
      String id = stream.send(ConnectRequest.newBuilder().setExemptionRequest(ExemptionRequest.newBuilder()
          .setScope(ExemptionScope.EXEMPTION_SCOPE_FULL)
          .setReason(ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK)
          .setComment("payroll close this week")));
      assertTrue(stream.ackOf(id).getRequestAck().getAccepted());

      // The approver finds it among the requested ones.
      Exemption[] requested = new Exemption[1];
      Eventually.within(Duration.ofSeconds(30), () -> {
        var page = await(harness.admin.listExemptions()
            .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(ListExemptionsRequest.newBuilder()
                .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED).setDeviceId("exempt-1").build()));
        assertEquals(1, page.getExemptionsCount());
        requested[0] = page.getExemptions(0);
      });
      assertEquals("payroll close this week", requested[0].getComment());

      Instant expiry = Instant.now().plusSeconds(15);
      Exemption approved = await(harness.admin.approveExemption()
              .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
              .invoke(ApproveExemptionRequest.newBuilder()
                  .setDeviceId("exempt-1")
                  .setExemptionId(requested[0].getExemptionId())
                  .setExpireTime(timestamp(expiry))
                  .build()))
          .getExemption();
      assertEquals(ExemptionStatus.EXEMPTION_STATUS_APPROVED, approved.getStatus());
      assertEquals("dev-admin", approved.getDecidedBy());
      assertEquals(CaptureState.CAPTURE_STATE_EXEMPT, device("exempt-1").getCaptureState());

      // Deciding it twice is refused.
      StatusRuntimeException twice = failure(harness.admin.denyExemption()
          .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
          .invoke(DenyExemptionRequest.newBuilder().setDeviceId("exempt-1")
              .setExemptionId(requested[0].getExemptionId()).setReason("late").build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, twice.getStatus().getCode());

      ExemptionUpdate expired = stream.next(r -> r.hasExemptionUpdate()
              && r.getExemptionUpdate().getExemptionsList().stream()
                  .anyMatch(e -> e.getStatus() == ExemptionStatus.EXEMPTION_STATUS_EXPIRED),
          Duration.ofSeconds(45)).getExemptionUpdate();
      assertFalse(Instant.now().isBefore(expiry.minusMillis(500)));
      assertEquals(1, expired.getExemptionsCount());
    }
    Device after = device("exempt-1");
    assertEquals(CaptureState.CAPTURE_STATE_ACTIVE, after.getCaptureState());
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_EXPIRED, after.getExemptions(0).getStatus());
  }

  @Test
  void aDeviceInGermanyIsRegionBlockedWhateverElseIsSet() throws Exception {
    var open = io.fleetcontrol.proto.v1.Policy.newBuilder()
        .setName("everything-everywhere")
        .addAllCaptureKinds(java.util.List.of(CaptureKind.CAPTURE_KIND_POINTER, CaptureKind.CAPTURE_KIND_CLICKS,
            CaptureKind.CAPTURE_KIND_KEYSTROKES, CaptureKind.CAPTURE_KIND_SCREENSHOTS))
        .addAllowlist(TargetRule.newBuilder().setSitePattern("*.example.com"))
        .addJurisdictions("US")
        .addJurisdictions("CA")
        .build();
    admin(harness.admin.createPolicy(), CreatePolicyRequest.newBuilder().setPolicy(open).build());
    String credential = enroll("berlin-1", "DE");
    admin(harness.admin.assignPolicy(), AssignPolicyRequest.newBuilder()
        .setPolicyName("everything-everywhere")
        .setSelector(DeviceSelector.newBuilder().addDeviceIds("berlin-1"))
        .build());
    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "berlin-1", credential)) {
      assertEquals(1, stream.applyPolicy().getVersion());
    }
    Device berlin = device("berlin-1");
    assertEquals("everything-everywhere", berlin.getTargetPolicy().getPolicyName());
    assertEquals(CaptureState.CAPTURE_STATE_REGION_BLOCKED, berlin.getCaptureState());
    assertTrue(berlin.getCaptureStateReason().contains("DE"), berlin.getCaptureStateReason());
  }

  @Test
  void policiesAreVersionedAndEveryVersionIsKept() throws Exception {
    var v1 = io.fleetcontrol.proto.v1.Policy.newBuilder()
        .setName("finance")
        .addCaptureKinds(CaptureKind.CAPTURE_KIND_CLICKS)
        .addAllowlist(TargetRule.newBuilder().setAppId("com.microsoft.Excel"))
        .build();
    var created = admin(harness.admin.createPolicy(), CreatePolicyRequest.newBuilder().setPolicy(v1).build());
    assertEquals(1, created.getPolicy().getVersion());
    var v2 = v1.toBuilder().addAllowlist(TargetRule.newBuilder().setSitePattern("*.sap.com")).build();
    var updated = admin(harness.admin.updatePolicy(), UpdatePolicyRequest.newBuilder().setPolicy(v2).build());
    assertEquals(2, updated.getPolicy().getVersion());
    var first = admin(harness.admin.getPolicy(), GetPolicyRequest.newBuilder().setName("finance").setVersion(1).build());
    assertEquals(1, first.getPolicy().getAllowlistCount());
    var latest = admin(harness.admin.getPolicy(), GetPolicyRequest.newBuilder().setName("finance").build());
    assertEquals(2, latest.getPolicy().getVersion());
    assertEquals(2, latest.getPolicy().getAllowlistCount());

    assertEquals(Status.Code.ALREADY_EXISTS, failure(harness.admin.createPolicy()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(CreatePolicyRequest.newBuilder().setPolicy(v1).build())).getStatus().getCode());
    assertEquals(Status.Code.NOT_FOUND, failure(harness.admin.getPolicy()
        .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
        .invoke(GetPolicyRequest.newBuilder().setName("finance").setVersion(9).build())).getStatus().getCode());
    assertEquals(Status.Code.PERMISSION_DENIED, failure(harness.admin.updatePolicy()
        .addHeader("authorization", "Bearer dev-viewer-token")
        .invoke(UpdatePolicyRequest.newBuilder().setPolicy(v2).build())).getStatus().getCode());
  }

  @Test
  void twoHundredMalformedPoliciesAreEachRefusedNamingTheFieldAndCreateNothing() throws Exception {
    var cases = MalformedPolicies.all();
    assertEquals(200, cases.size());
    for (MalformedPolicies.Case c : cases) {
      StatusRuntimeException e = failure(harness.admin.createPolicy()
          .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
          .invoke(CreatePolicyRequest.newBuilder().setPolicy(c.policy()).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), c.label());
      assertTrue(e.getStatus().getDescription().contains(c.field()),
          c.label() + ": \"" + e.getStatus().getDescription() + "\" should name " + c.field());
    }
    var names = await(harness.admin.listPolicies()
            .addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
            .invoke(ListPoliciesRequest.getDefaultInstance()))
        .getPoliciesList().stream().map(io.fleetcontrol.proto.v1.Policy::getName).toList();
    assertTrue(names.stream().noneMatch(n -> n.startsWith("bad-")), "no malformed policy was stored: " + names);
  }

  /** Runs fleetctl against the live controller; returns exit code, stdout, stderr. */
  private static String[] fleetctl(String... args) {
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    String[] full = new String[args.length + 6];
    full[0] = "--server";
    full[1] = "127.0.0.1:" + harness.grpcPort;
    full[2] = "--token";
    full[3] = FleetHarness.ADMIN_TOKEN;
    full[4] = "--ca-file";
    full[5] = TestTls.ca().toString();
    System.arraycopy(args, 0, full, 6, args.length);
    int code = io.fleetcontrol.fleetctl.Fleetctl.run(full, new java.io.PrintStream(out, true),
        new java.io.PrintStream(err, true));
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void opsAndApproversWorkThroughFleetctl() throws Exception {
    java.nio.file.Path example = java.nio.file.Path.of("../fleetctl/examples/policy.yaml");
    String[] created = fleetctl("policies", "create", "-f", example.toString());
    assertEquals("0", created[0], created[2]);
    assertTrue(created[1].contains("created engineering version 1"), created[1]);

    java.nio.file.Path edited = java.nio.file.Files.createTempFile("policy", ".yaml");
    java.nio.file.Files.writeString(edited, java.nio.file.Files.readString(example)
        .replace("pauses_per_day: 3", "pauses_per_day: 5"));
    String[] updated = fleetctl("policies", "update", "-f", edited.toString());
    assertTrue(updated[1].contains("updated engineering to version 2"), updated[1] + updated[2]);
    String[] diff = fleetctl("policies", "diff", "engineering", "--from", "1", "--to", "2");
    assertTrue(diff[1].contains("-  pauses_per_day: 3") && diff[1].contains("+  pauses_per_day: 5"), diff[1]);
    String[] got = fleetctl("policies", "get", "engineering", "--version", "1");
    assertTrue(got[1].contains("up to 30m, 3 per day"), got[1]);

    java.nio.file.Path broken = java.nio.file.Files.createTempFile("policy", ".yaml");
    java.nio.file.Files.writeString(broken, "name: broken\ncapture_kinds: [clicks]\nallowlist:\n  - site: 'http://x.com'\n");
    String[] refused = fleetctl("policies", "create", "-f", broken.toString());
    assertEquals("1", refused[0]);
    assertTrue(refused[2].contains("INVALID_ARGUMENT") && refused[2].contains("allowlist[0].pattern"), refused[2]);
    assertEquals("3", fleetctl("policies", "get", "broken")[0], "nothing was stored");

    String credential = enroll("cli-1", "US");
    // Label selection reads the device directory, a few seconds behind enrollment.
    Eventually.within(Duration.ofSeconds(30), () -> {
      String[] assigned = fleetctl("policies", "assign", "engineering", "--label", "team=controls");
      assertEquals("0", assigned[0], assigned[2]);
      assertTrue(assigned[1].matches("(?s)assigned engineering v2 to [1-9][0-9]* devices?.*"), assigned[1]);
      assertEquals(2, device("cli-1").getTargetPolicy().getVersion());
    });

    try (RawAgentStream stream = new RawAgentStream(harness.agentClient, harness.clientSystem, "cli-1", credential)) {
      stream.applyPolicy();
      String id = stream.send(ConnectRequest.newBuilder().setExemptionRequest(ExemptionRequest.newBuilder()
          .setScope(ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS)
          .setReason(ExemptionReason.EXEMPTION_REASON_BANDWIDTH)
          .setComment("home connection is metered")));
      assertTrue(stream.ackOf(id).getRequestAck().getAccepted());
    }
    Eventually.within(Duration.ofSeconds(30), () -> {
      String[] listed = fleetctl("exemptions", "list", "--status", "requested", "--device", "cli-1", "-o", "json");
      // -o json is the response message in proto3 JSON: JsonFormat reads it back.
      var response = io.fleetcontrol.proto.v1.ListExemptionsResponse.newBuilder();
      com.google.protobuf.util.JsonFormat.parser().merge(listed[1], response);
      assertEquals(1, response.getExemptionsCount(), listed[1]);
    });
    String[] approved = fleetctl("exemptions", "approve", "cli-1/ex-1", "--until", "7d");
    assertEquals("0", approved[0], approved[2]);
    assertTrue(approved[1].contains("approved cli-1/ex-1: approved"), approved[1]);
    assertEquals(ExemptionStatus.EXEMPTION_STATUS_APPROVED, device("cli-1").getExemptions(0).getStatus());
    String[] again = fleetctl("exemptions", "deny", "ex-1", "--device", "cli-1", "--reason", "late");
    assertEquals("1", again[0]);
    assertTrue(again[2].contains("FAILED_PRECONDITION"), again[2]);
  }

  private static <Req, Res> Res admin(
      org.apache.pekko.grpc.javadsl.SingleResponseRequestBuilder<Req, Res> call, Req request) throws Exception {
    return await(call.addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN).invoke(request));
  }

  private static StatusRuntimeException failure(CompletionStage<?> call) {
    try {
      call.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        return s;
      }
      throw new AssertionError("not a gRPC status: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded but should have failed");
  }

  /**
   * A real agent with its cache and employee socket, and the employee CLI: the controller goes down, the
   * employee pauses, the agent restarts, the gate answers from the cache before any reconnect, and
   * the pause reaches the controller stamped with the time the employee asked.
   */
  @Test
  void aPauseMadeWhileTheControllerIsDownReachesItAfterTheAgentRestarted(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path stateDir) throws Exception {
    var settings = io.fleetcontrol.agent.AgentSettings.fromConfig(harness.clientSystem.settings().config())
        .withController(harness.controllerAddress())
        .withEnrollmentToken(harness.enrollmentToken)
        .withIdentity(new io.fleetcontrol.policy.DeviceIdentity(
            "laptop-cli", "ada@example.com", "US", java.util.Map.of("team", "controls"), "test", "America/New_York"))
        .withBackoff(new io.fleetcontrol.agent.link.ReconnectBackoff(
            Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(30)));
    var client = io.fleetcontrol.agent.link.AgentClients.create(harness.clientSystem, settings.controller());
    var excel = io.fleetcontrol.policy.CaptureRequest.inApp(
        io.fleetcontrol.policy.CaptureKind.KEYSTROKES, "com.microsoft.Excel");

    var first = startAgent(settings, client, stateDir);
    await(first.whenPolicyApplied(1));
    var employeeSocket = io.fleetcontrol.agent.localapi.EmployeeSocket.start(first, stateDir.resolve("employee.sock"),
        System.getProperty("user.name"), 4 * 1024 * 1024);
    String[] status = agentCli(stateDir, "status");
    assertTrue(status[0].contains("Capture: ON"), status[0]);
    assertTrue(status[0].contains("Policy: default version 1"), status[0]);
    assertTrue(status[0].contains("Controller: connected"), status[0]);

    harness.stopController();
    try {
      Eventually.within(Duration.ofSeconds(20), () -> assertFalse(
          first.status() == io.fleetcontrol.agent.link.LinkStatus.CONNECTED, "agent still connected"));
      Instant asked = Instant.now();
      String[] paused = agentCli(stateDir, "pause", "20m");
      assertTrue(paused[0].startsWith("Paused until"), paused[0] + paused[1]);
      assertEquals(io.fleetcontrol.policy.CaptureState.PAUSED, first.gate().check(excel).state());
      String[] offline = agentCli(stateDir, "status");
      assertTrue(offline[0].contains("Capture: OFF, paused by you"), offline[0]);
      assertTrue(offline[0].contains("Controller: not connected"), offline[0]);
      assertTrue(offline[0].contains("capture stops at"), offline[0]);
      employeeSocket.close();
      first.stop();
      Eventually.within(Duration.ofSeconds(10), () -> assertEquals(
          io.fleetcontrol.agent.link.LinkStatus.STOPPED, first.status()));

      var second = startAgent(settings, client, stateDir);
      assertEquals(io.fleetcontrol.policy.CaptureState.PAUSED, second.gate().check(excel).state(),
          "after the restart, before any reconnect, the gate answers from the cache");
      assertEquals(1, second.gate().policyVersion());

      harness.startController();
      Eventually.within(Duration.ofSeconds(40), () -> {
        Device device = device("laptop-cli");
        assertTrue(device.hasActivePause(), "the controller has the pause: " + device);
        Instant start = Instant.ofEpochSecond(device.getActivePause().getStartTime().getSeconds());
        assertFalse(start.isBefore(asked.minusSeconds(1)) || start.isAfter(asked.plusSeconds(5)),
            "started when the employee asked (" + asked + "), not on reconnect: " + start);
        assertEquals(CaptureState.CAPTURE_STATE_PAUSED, device.getCaptureState());
      });
      Eventually.within(Duration.ofSeconds(10), () -> assertTrue(second.unansweredRequests().isEmpty()));
      second.stop();
      // Stopping writes the cache in the state directory; JUnit deletes that directory next.
      Eventually.within(Duration.ofSeconds(10), () -> assertEquals(
          io.fleetcontrol.agent.link.LinkStatus.STOPPED, second.status()));
    } finally {
      if (harness.controllerSystem() == null) {
        harness.startController();
      }
      client.close();
    }
  }

  private static io.fleetcontrol.agent.DeviceAgent startAgent(io.fleetcontrol.agent.AgentSettings settings,
      AgentServiceClient client, java.nio.file.Path stateDir) {
    return io.fleetcontrol.agent.DeviceAgent.start(harness.clientSystem, settings, client,
        io.fleetcontrol.agent.telemetry.FixedTelemetry.unknown(), new io.fleetcontrol.agent.telemetry.UploadMeter(),
        stateDir.resolve("cache.bin"), java.time.Clock.systemUTC());
  }

  /** Runs `fleet-agent ARGS` in process; returns stdout and stderr. */
  private static String[] agentCli(java.nio.file.Path stateDir, String... args) {
    java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of(args));
    line.addAll(java.util.List.of("--state-dir", stateDir.toString()));
    var out = new java.io.StringWriter();
    var err = new java.io.StringWriter();
    int code = io.fleetcontrol.agent.cli.AgentMain.run(line.toArray(String[]::new),
        new java.io.PrintWriter(out), new java.io.PrintWriter(err));
    assertEquals(0, code, "fleet-agent " + String.join(" ", args) + ": " + err);
    return new String[] {out.toString(), err.toString()};
  }
}
