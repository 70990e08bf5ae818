package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.agent.telemetry.FixedTelemetry;
import io.fleetcontrol.agent.localapi.EmployeeClient;
import io.fleetcontrol.agent.localapi.EmployeeSocket;
import io.fleetcontrol.agent.localapi.LocalApi;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.proto.agent.v1.LocalAgentProto;
import io.fleetcontrol.proto.v1.AdminServiceProto;
import io.fleetcontrol.proto.v1.AgentServiceProto;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.CreatePolicyResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.ListAuditEventsRequest;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.UpdatePolicyResponse;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every method of AdminService, AgentService and the agent's local API, called with hostile
 * requests generated from the proto descriptors (see {@link HostileMessages}) under valid, weaker,
 * missing and forged identities. Holds when: no decodable request answers INTERNAL or UNKNOWN, every
 * refusal says why, no call takes over 2 s, the controller still serves afterwards, and nothing a
 * refused call sent was stored (the policy list and the audit trail change only as the calls that
 * answered OK explain). Replay a run with {@code -Dfuzz.seed=N}; the counts by status land in
 * integration-tests/target/fuzz-report.txt.
 */
class FuzzIntegrationTest {

  private static final long SEED = Long.getLong("fuzz.seed", 14L);
  private static final Duration SLOWEST_ALLOWED = Duration.ofSeconds(2);
  /** Far past the bound, so a hang is measured (and reported) rather than cut at the bound. */
  private static final Duration DEADLINE = Duration.ofSeconds(8);
  /** Requests per method for the identity that may call it; the refused identities get a quarter. */
  private static final int CASES_PER_METHOD = 40;
  private static final int STREAMS_FOR_THE_DEVICE = 45;
  private static final int MESSAGES_PER_STREAM = 3;
  private static final int MIN_CALLS = 2_000;
  private static final Path REPORT = LocalCassandra.findRepoRoot().resolve("integration-tests/target/fuzz-report.txt");

  private static final String DEVICE = "fuzz-device";
  private static final String LAPTOP = "fuzz-laptop";

  private static FleetHarness harness;
  private static String deviceCredential;
  private static DeviceAgent laptop;
  private static ServerBinding localApi;
  private static EmployeeSocket employeeSocket;
  private static String localToken;
  private static RawGrpc controllerLine;
  private static RawGrpc localLine;
  private static io.fleetcontrol.proto.v1.AgentServiceClient agentClient;

  @TempDir static Path stateDir;

  /** Who calls: the headers it sends, and whether the service may let it through at all. */
  private record Identity(String name, Map<String, String> headers, Expect expect) {}

  private enum Expect {
    /** May be let through: any clean answer. */
    ALLOWED,
    /** Known, but without the permission for writes: PERMISSION_DENIED on anything but Get and List. */
    READ_ONLY,
    /** Missing or forged: UNAUTHENTICATED, whatever it sends. */
    REFUSED
  }

  /** One finished call, kept for the report and the judgement. */
  private record Call(String method, Identity identity, HostileMessages.Case request, RawGrpc.Outcome outcome,
      int acceptedRequests) {}

  @BeforeAll
  static void start() throws Exception {
    // One device takes every hostile Connect: its rate limits (StreamLimitsIntegrationTest tests
    // them) would turn most of them away before their messages are read.
    harness = new FleetHarness(java.util.Map.of(
        "fleet.limits.connects-per-device.burst", 100_000,
        "fleet.limits.stream-requests.burst", 100_000));
    deviceCredential = harness.agentClient.enroll(EnrollRequest.newBuilder()
            .setEnrollmentToken(harness.enrollmentToken)
            .setEnrollmentId("fuzz-enrollment-of-the-stream-device")
            .setDeviceId(DEVICE).setOwner("fuzz@example.com").setJurisdiction("US").setTimeZone("UTC")
            .build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).getDeviceCredential();
    agentClient = AgentClients.create(harness.clientSystem, harness.controllerAddress());
    laptop = startAgent(LAPTOP, stateDir);
    laptop.whenPolicyApplied(1).toCompletableFuture().get(60, TimeUnit.SECONDS);
    // A real pending exemption (ex-1), so the exemption decisions reach their checks on a real record.
    var asked = laptop.requestExemption(io.fleetcontrol.policy.ExemptionScope.NO_SCREENSHOTS,
        io.fleetcontrol.policy.ExemptionReason.OTHER, "fuzz").toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(asked.accepted(), "the laptop's exemption request: " + asked.message());
    localToken = LocalApi.writeNewToken(stateDir.resolve("local-api.token"));
    localApi = LocalApi.start(harness.clientSystem, laptop, "127.0.0.1", 0, localToken)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    controllerLine = RawGrpc.tls(harness.grpcPort);
    localLine = RawGrpc.plaintext(localApi.localAddress().getPort());
    employeeSocket = EmployeeSocket.start(laptop, stateDir.resolve("employee.sock"), System.getProperty("user.name"),
        LocalApi.maxMessageBytes(harness.clientSystem.settings().config()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (localLine != null) {
      localLine.close();
    }
    if (controllerLine != null) {
      controllerLine.close();
    }
    if (localApi != null) {
      localApi.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (employeeSocket != null) {
      employeeSocket.close();
    }
    if (laptop != null) {
      laptop.stop();
    }
    if (agentClient != null) {
      agentClient.close();
    }
    if (harness != null) {
      harness.close();
    }
  }

  private static DeviceAgent startAgent(String deviceId, Path dir) {
    AgentSettings settings = AgentSettings.fromConfig(harness.clientSystem.settings().config())
        .withController(harness.controllerAddress())
        .withEnrollmentToken(harness.enrollmentToken)
        .withIdentity(new DeviceIdentity(deviceId, "ada@example.com", "US", Map.of("team", "fuzz"), "test", "America/New_York"))
        .withBackoff(new ReconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(30)));
    return DeviceAgent.start(harness.clientSystem, settings, agentClient, FixedTelemetry.unknown(),
        new UploadMeter(), dir.resolve("cache.bin"), Clock.systemUTC());
  }

  @Test
  void everyMethodAnswersHostileRequestsCleanlyQuicklyAndStoresNothingItRefused() throws Exception {
    waitForAudit(events -> has(events, "device.enrolled", DEVICE) && has(events, "policy.applied", LAPTOP)
        && has(events, "exemption.requested", LAPTOP));
    List<AuditEvent> auditBefore = quietAudit();
    Map<String, Policy> policiesBefore = policies();

    HostileMessages hostile = new HostileMessages(SEED);
    List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<?>> running = new ArrayList<>();
    long started = System.nanoTime();

    for (MethodDescriptor method : service(AdminServiceProto.getDescriptor(), "AdminService").getMethods()) {
      List<HostileMessages.Case> cases = hostile.casesFor(method.getInputType(), CASES_PER_METHOD);
      List<HostileMessages.Case> withBase = cases.stream().map(c -> withBase(method, c)).toList();
      running.add(pool.submit(() -> unaryCalls(method, withBase, adminIdentities(), calls)));
    }
    MethodDescriptor enroll = service(AgentServiceProto.getDescriptor(), "AgentService").findMethodByName("Enroll");
    List<HostileMessages.Case> enrollCases = new ArrayList<>();
    AtomicInteger enrollIds = new AtomicInteger();
    for (HostileMessages.Case c : hostile.casesFor(enroll.getInputType(), CASES_PER_METHOD)) {
      enrollCases.add(enrollBase(c, enrollIds.incrementAndGet()));
    }
    running.add(pool.submit(() -> unaryCalls(enroll, enrollCases, deviceIdentities(), calls)));
    // The agent's gRPC API is the capture tools' gate; the employee's controls are on a Unix socket.
    for (MethodDescriptor method : service(LocalAgentProto.getDescriptor(), "CaptureGateService").getMethods()) {
      List<HostileMessages.Case> cases = hostile.casesFor(method.getInputType(), CASES_PER_METHOD);
      running.add(pool.submit(() -> unaryCalls(method, cases, localIdentities(), calls)));
    }
    List<HostileMessages.Case> employeeCases = hostile.casesFor(EmployeeCall.getDescriptor(),
        // As many per kind of call as the gRPC methods get: the count follows the oneof (open_page made eight).
        EmployeeCall.getDescriptor().getOneofs().get(0).getFieldCount() * CASES_PER_METHOD);
    employeeCases = new ArrayList<>(employeeCases);
    employeeCases.add(HostileMessages.oversized(EmployeeCall.getDescriptor()));
    List<HostileMessages.Case> toTheEmployeeSocket = employeeCases;
    running.add(pool.submit(() -> employeeSocketCalls(toTheEmployeeSocket, calls)));
    // One device's streams: a newer stream takes over from an older one, so they run one after another.
    MethodDescriptor connect = service(AgentServiceProto.getDescriptor(), "AgentService").findMethodByName("Connect");
    List<HostileMessages.Case> upward =
        hostile.casesFor(connect.getInputType(), STREAMS_FOR_THE_DEVICE * MESSAGES_PER_STREAM);
    Thread streams = new Thread(() -> streamCalls(connect, upward, calls), "fuzz-streams");
    streams.start();

    // Over the size limit: at most one per server, so the run stays fast.
    MethodDescriptor createPolicy =
        service(AdminServiceProto.getDescriptor(), "AdminService").findMethodByName("CreatePolicy");
    MethodDescriptor checkCapture =
        service(LocalAgentProto.getDescriptor(), "CaptureGateService").findMethodByName("CheckCapture");
    running.add(pool.submit(() -> unaryCalls(createPolicy,
        List.of(HostileMessages.oversized(createPolicy.getInputType())), List.of(adminIdentities().get(0)), calls)));
    running.add(pool.submit(() -> unaryCalls(checkCapture,
        List.of(HostileMessages.oversized(checkCapture.getInputType())), List.of(localIdentities().get(0)), calls)));

    for (Future<?> f : running) {
      f.get(10, TimeUnit.MINUTES);
    }
    streams.join(TimeUnit.MINUTES.toMillis(10));
    pool.shutdown();
    Duration fuzzTime = Duration.ofNanos(System.nanoTime() - started);

    List<String> failures = new ArrayList<>();
    for (Call call : calls) {
      String why = judge(call);
      if (why != null) {
        failures.add(why + " | " + describe(call));
      }
    }

    // Still serving: an admin call, the laptop's stream, and a new agent from scratch.
    List<String> afterwards = new ArrayList<>();
    RawGrpc.Outcome summary = controllerLine.call(
        service(AdminServiceProto.getDescriptor(), "AdminService").findMethodByName("GetFleetSummary"),
        adminIdentities().get(0).headers(), List.of(GetFleetSummaryRequest.getDefaultInstance().toByteArray()),
        DEADLINE);
    if (!summary.status().isOk() || summary.took().compareTo(SLOWEST_ALLOWED) > 0) {
      afterwards.add("not serving after the fuzz: GetFleetSummary answered " + summary.status() + " in "
          + summary.took().toMillis() + " ms");
    }
    afterwards.addAll(checkPolicies(policiesBefore, calls));
    afterwards.addAll(checkAudit(auditBefore, quietAudit(), calls));
    if (laptop.status() != LinkStatus.CONNECTED) {
      afterwards.add("not serving after the fuzz: the laptop's agent is " + laptop.status() + " (" + laptop.lastProblem() + ")");
    }
    DeviceAgent fresh = startAgent("fuzz-after", Files.createDirectories(stateDir.resolve("after")));
    try {
      Eventually.within(Duration.ofSeconds(30), () -> {
        assertEquals(LinkStatus.CONNECTED, fresh.status(), "a new agent could not connect after the fuzz");
        assertTrue(fresh.appliedPolicyVersion() > 0, "a new agent got no policy after the fuzz");
      });
    } catch (AssertionError e) {
      afterwards.add("not serving after the fuzz: " + e.getMessage());
    } finally {
      fresh.stop();
    }
    String report = writeReport(calls, failures, afterwards, fuzzTime);

    assertTrue(calls.size() >= MIN_CALLS, "only " + calls.size() + " calls; at least " + MIN_CALLS + " expected");
    assertTrue(failures.isEmpty() && afterwards.isEmpty(), failures.size() + " of " + calls.size()
        + " fuzz calls answered wrongly and " + afterwards.size() + " checks after the fuzz failed (seed " + SEED
        + ", replay with -Dfuzz.seed=" + SEED + "; every one in " + REPORT + "):\n" + report);
  }

  // ---- identities ----

  private static List<Identity> adminIdentities() {
    return List.of(
        new Identity("admin", bearer(FleetHarness.ADMIN_TOKEN), Expect.ALLOWED),
        new Identity("viewer", bearer("dev-viewer-token"), Expect.READ_ONLY),
        new Identity("no token", Map.of(), Expect.REFUSED),
        new Identity("forged token", bearer("dev-admin-token-forged"), Expect.REFUSED));
  }

  private static List<Identity> deviceIdentities() {
    return List.of(
        new Identity("device", deviceHeaders(DEVICE, deviceCredential), Expect.ALLOWED),
        new Identity("no credential", Map.of(), Expect.REFUSED),
        // The device's real shape (id, nonce, MAC) with a MAC that is not the key's.
        new Identity("forged credential",
            deviceHeaders(DEVICE, deviceCredential.substring(0, deviceCredential.lastIndexOf('.') + 1) + "Zm9yZ2Vk"),
            Expect.REFUSED));
  }

  private static List<Identity> localIdentities() {
    return List.of(
        new Identity("local token", bearer(localToken), Expect.ALLOWED),
        new Identity("no token", Map.of(), Expect.REFUSED),
        new Identity("wrong token", bearer("0".repeat(64)), Expect.REFUSED));
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("authorization", "Bearer " + token);
  }

  private static Map<String, String> deviceHeaders(String deviceId, String credential) {
    return Map.of("x-fleet-device-id", deviceId, "authorization", "Bearer " + credential);
  }

  // ---- the calls ----

  /** Every case under the first identity; every fourth under the others, which must all be refused anyway. */
  private static void unaryCalls(MethodDescriptor method, List<HostileMessages.Case> cases, List<Identity> identities,
      List<Call> calls) {
    for (int i = 0; i < cases.size(); i++) {
      HostileMessages.Case request = cases.get(i);
      for (int k = 0; k < identities.size(); k++) {
        if (k > 0 && i % 4 != 0) {
          continue;
        }
        Identity identity = identities.get(k);
        RawGrpc line = method.getFile() == LocalAgentProto.getDescriptor() ? localLine : controllerLine;
        RawGrpc.Outcome outcome = line.call(method, identity.headers(), List.of(request.bytes()), DEADLINE);
        calls.add(new Call(name(method), identity, request, outcome, 0));
      }
    }
  }

  /**
   * Hostile calls on the employee socket from the laptop's employee (this process's account, the one
   * the socket answers), one connection until the agent closes it (after an oversized call).
   */
  private static void employeeSocketCalls(List<HostileMessages.Case> cases, List<Call> calls) {
    Identity employee = new Identity("the employee (this account)", Map.of(), Expect.ALLOWED);
    EmployeeClient client = null;
    for (HostileMessages.Case request : cases) {
      long started = System.nanoTime();
      Status status;
      try {
        if (client == null) {
          client = EmployeeClient.connect(employeeSocket.path());
        }
        EmployeeAnswer answer = client.call(request.bytes());
        status = answer.hasError()
            ? Status.fromCode(Status.Code.valueOf(answer.getError().getCode())).withDescription(answer.getError().getMessage())
            : Status.OK;
        if (request.label().startsWith(HostileMessages.OVERSIZED)) {
          client.close();
          client = null;
        }
      } catch (IOException | EmployeeClient.Refused | IllegalArgumentException e) {
        status = Status.UNKNOWN.withDescription("the employee socket failed: " + e);
        if (client != null) {
          client.close();
        }
        client = null;
      }
      RawGrpc.Outcome outcome = new RawGrpc.Outcome(status, List.of(), Duration.ofNanos(System.nanoTime() - started));
      calls.add(new Call("EmployeeSocket/" + employeeMethod(request), employee, request, outcome, 0));
    }
    if (client != null) {
      client.close();
    }
  }

  /** "StartPause" for a call that parses as one; "EmployeeCall" for the rest. */
  private static String employeeMethod(HostileMessages.Case request) {
    try {
      var which = EmployeeCall.parseFrom(request.bytes()).getCallCase();
      if (which == EmployeeCall.CallCase.CALL_NOT_SET) {
        return "EmployeeCall";
      }
      return java.util.Arrays.stream(which.name().toLowerCase(java.util.Locale.ROOT).split("_"))
          .map(word -> Character.toUpperCase(word.charAt(0)) + word.substring(1))
          .collect(java.util.stream.Collectors.joining());
    } catch (InvalidProtocolBufferException e) {
      return "EmployeeCall";
    }
  }

  /**
   * Streams of a few hostile messages each; before half-closing, waits (a second at most) for the
   * acks of what asked for one, so every request the controller kept is seen accepted.
   */
  private static void streamCalls(MethodDescriptor connect, List<HostileMessages.Case> upward, List<Call> calls) {
    List<Identity> identities = deviceIdentities();
    for (int s = 0; s * MESSAGES_PER_STREAM < upward.size(); s++) {
      List<HostileMessages.Case> batch =
          upward.subList(s * MESSAGES_PER_STREAM, Math.min(upward.size(), (s + 1) * MESSAGES_PER_STREAM));
      HostileMessages.Case together = new HostileMessages.Case(
          batch.stream().map(HostileMessages.Case::label).collect(Collectors.joining(" ; ")),
          new byte[0],
          batch.stream().allMatch(HostileMessages.Case::decodable),
          () -> batch.stream().map(HostileMessages.Case::shortText).collect(Collectors.joining(" ; ")));
      List<byte[]> messages = batch.stream().map(HostileMessages.Case::bytes).toList();
      long wanted = batch.stream().filter(FuzzIntegrationTest::expectsAck).count();
      for (int k = 0; k < identities.size(); k++) {
        if (k > 0 && s % 4 != 0) {
          continue;
        }
        Identity identity = identities.get(k);
        RawGrpc.Outcome outcome = controllerLine.call(connect, identity.headers(), messages, DEADLINE,
            answers -> acks(answers).size() >= wanted);
        int accepted = (int) acks(outcome.answers()).stream().filter(a -> a.getAccepted()).count();
        calls.add(new Call(name(connect), identity, together, outcome, accepted));
      }
    }
  }

  /** Requests (not heartbeats) are answered with a RequestAck. */
  private static boolean expectsAck(HostileMessages.Case upward) {
    try {
      ConnectRequest request = ConnectRequest.parseFrom(upward.bytes());
      return request.getMessageCase() != ConnectRequest.MessageCase.HEARTBEAT
          && request.getMessageCase() != ConnectRequest.MessageCase.MESSAGE_NOT_SET;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static List<io.fleetcontrol.proto.v1.RequestAck> acks(List<byte[]> answers) {
    List<io.fleetcontrol.proto.v1.RequestAck> acks = new ArrayList<>();
    for (byte[] answer : answers) {
      try {
        ConnectResponse response = ConnectResponse.parseFrom(answer);
        if (response.hasRequestAck()) {
          acks.add(response.getRequestAck());
        }
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the controller sent a ConnectResponse that does not decode", e);
      }
    }
    return acks;
  }

  // ---- requests that reach past the first check ----

  /** Exemption decisions name the laptop's real exemption, so a hostile field is checked on the real path. */
  private static HostileMessages.Case withBase(MethodDescriptor method, HostileMessages.Case c) {
    if (!c.decodable() || !method.getName().endsWith("Exemption")) {
      return c;
    }
    Descriptor type = method.getInputType();
    DynamicMessage.Builder base = DynamicMessage.newBuilder(type)
        .setField(type.findFieldByName("device_id"), LAPTOP)
        .setField(type.findFieldByName("exemption_id"), "ex-1");
    return merged(c, base);
  }

  /** Enrollments start from a complete, valid request with a fresh id, so each field is judged on its own. */
  private static HostileMessages.Case enrollBase(HostileMessages.Case c, int n) {
    if (!c.decodable()) {
      return c;
    }
    EnrollRequest base = EnrollRequest.newBuilder()
        .setEnrollmentToken(harness.enrollmentToken)
        .setEnrollmentId(String.format("fuzz-enrollment-%08d", n))
        .setDeviceId("fuzz-enroll-" + n)
        .setOwner("fuzz@example.com").setJurisdiction("US").setTimeZone("UTC")
        .build();
    return merged(c, DynamicMessage.newBuilder(base));
  }

  private static HostileMessages.Case merged(HostileMessages.Case c, DynamicMessage.Builder base) {
    try {
      DynamicMessage message = base.mergeFrom(c.bytes()).build();
      return HostileMessages.decodable(c.label(), message);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a decodable case did not decode: " + c.label(), e);
    }
  }

  // ---- the judgement of one call ----

  private static final Set<Status.Code> NEVER = Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN);
  /**
   * Bytes no parser accepts are the caller's fault: INVALID_ARGUMENT with what protobuf found
   * (grpcedge.GrpcFailures), never INTERNAL. OK would mean garbage was taken for a request.
   */
  private static final Set<Status.Code> UNDECODABLE_ANSWERS = Set.of(Status.Code.INVALID_ARGUMENT);

  /** Why the answer is wrong, or null when it is right. */
  private static String judge(Call call) {
    Status status = call.outcome().status();
    Status.Code code = status.getCode();
    String description = status.getDescription();
    if (call.outcome().took().compareTo(SLOWEST_ALLOWED) > 0) {
      return "took over " + SLOWEST_ALLOWED.toMillis() + " ms";
    }
    if (call.request().label().startsWith(HostileMessages.OVERSIZED)) {
      return code == Status.Code.RESOURCE_EXHAUSTED ? null : "over the size limit but not RESOURCE_EXHAUSTED";
    }
    if (!call.request().decodable()) {
      // A caller without the right identity may be refused for that before the bytes are read.
      boolean refusedFirst = call.identity().expect() != Expect.ALLOWED
          && (code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED);
      if (!UNDECODABLE_ANSWERS.contains(code) && !refusedFirst) {
        return "undecodable bytes answered " + code + ", not INVALID_ARGUMENT";
      }
    } else {
      if (NEVER.contains(code)) {
        return "a decodable request answered " + code;
      }
      boolean enroll = call.method().equals("AgentService/Enroll");
      if (call.identity().expect() == Expect.REFUSED && !enroll && code != Status.Code.UNAUTHENTICATED) {
        return "a missing or forged identity answered " + code + ", not UNAUTHENTICATED";
      }
      if (call.identity().expect() == Expect.READ_ONLY && !isRead(call.method())
          && code != Status.Code.PERMISSION_DENIED) {
        return "a viewer's write answered " + code + ", not PERMISSION_DENIED";
      }
    }
    if (code != Status.Code.OK && (description == null || description.isBlank())) {
      return "refused without a message";
    }
    if (code == Status.Code.INVALID_ARGUMENT && call.request().decodable() && !namesAField(call.method(), description)) {
      return "INVALID_ARGUMENT without naming a field";
    }
    return null;
  }

  private static boolean isRead(String method) {
    String name = method.substring(method.indexOf('/') + 1);
    return name.startsWith("Get") || name.startsWith("List");
  }

  private static final Map<String, Set<String>> FIELD_NAMES = new ConcurrentHashMap<>();

  /** Whether the message names a field of the request (at any depth) or a header the call needs. */
  private static boolean namesAField(String method, String description) {
    Set<String> names = FIELD_NAMES.computeIfAbsent(method, m -> {
      Set<String> all = new TreeSet<>(Set.of("x-fleet-device-id", "authorization", "page_token", "page_size", "call"));
      collectFieldNames(m.startsWith("EmployeeSocket/") ? EmployeeCall.getDescriptor() : methodDescriptor(m).getInputType(),
          all, 0);
      return all;
    });
    return names.stream().anyMatch(description::contains);
  }

  private static void collectFieldNames(Descriptor type, Set<String> names, int depth) {
    for (FieldDescriptor field : type.getFields()) {
      names.add(field.getName());
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < 4
          && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
        collectFieldNames(field.getMessageType(), names, depth + 1);
      }
    }
  }

  private static String describe(Call call) {
    Status status = call.outcome().status();
    String cause = status.getCause() == null ? "" : " (client side: " + status.getCause() + ")";
    return call.method() + " as " + call.identity().name() + ": " + call.request().label() + " -> " + status.getCode()
        + " \"" + HostileMessages.trim(String.valueOf(status.getDescription()), 200) + "\"" + cause + " in "
        + call.outcome().took().toMillis() + " ms; request: " + call.request().shortText();
  }

  // ---- descriptors ----

  private static ServiceDescriptor service(com.google.protobuf.Descriptors.FileDescriptor file, String name) {
    ServiceDescriptor service = file.findServiceByName(name);
    if (service == null) {
      throw new IllegalStateException(file.getName() + " has no service " + name);
    }
    return service;
  }

  private static String name(MethodDescriptor method) {
    return method.getService().getName() + "/" + method.getName();
  }

  private static MethodDescriptor methodDescriptor(String name) {
    String service = name.substring(0, name.indexOf('/'));
    String method = name.substring(name.indexOf('/') + 1);
    for (var file : List.of(AdminServiceProto.getDescriptor(), AgentServiceProto.getDescriptor(),
        LocalAgentProto.getDescriptor())) {
      ServiceDescriptor s = file.findServiceByName(service);
      if (s != null && s.findMethodByName(method) != null) {
        return s.findMethodByName(method);
      }
    }
    throw new IllegalArgumentException("no method " + name);
  }

  // ---- what was stored ----

  /** The latest version of every policy, by name. */
  private static Map<String, Policy> policies() throws Exception {
    Map<String, Policy> all = new TreeMap<>();
    String page = "";
    do {
      var answer = harness.admin.listPolicies().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
          .invoke(ListPoliciesRequest.newBuilder().setPageSize(1000).setPageToken(page).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      answer.getPoliciesList().forEach(p -> all.put(p.getName(), p));
      page = answer.getNextPageToken();
    } while (!page.isEmpty());
    return all;
  }

  private static List<AuditEvent> audit() throws Exception {
    List<AuditEvent> all = new ArrayList<>();
    String page = "";
    do {
      var answer = harness.admin.listAuditEvents().addHeader("authorization", "Bearer " + FleetHarness.ADMIN_TOKEN)
          .invoke(ListAuditEventsRequest.newBuilder().setPageSize(1000).setPageToken(page).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      all.addAll(answer.getEventsList());
      page = answer.getNextPageToken();
    } while (!page.isEmpty());
    return all;
  }

  private static boolean has(List<AuditEvent> events, String action, String deviceId) {
    return events.stream().anyMatch(e -> e.getAction().equals(action) && e.getDeviceId().equals(deviceId));
  }

  private static void waitForAudit(java.util.function.Predicate<List<AuditEvent>> ready) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!ready.test(audit())) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the audit trail never showed the setup's events: " + audit());
      }
      Thread.sleep(500);
    }
  }

  /** The trail once the projection has caught up: unchanged over three seconds (60 s at most). */
  private static List<AuditEvent> quietAudit() throws Exception {
    List<AuditEvent> last = audit();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int quietReads = 0;
    while (quietReads < 3 && System.nanoTime() < until) {
      Thread.sleep(1000);
      List<AuditEvent> now = audit();
      quietReads = now.equals(last) ? quietReads + 1 : 0;
      last = now;
    }
    return last;
  }

  /** The policies listed now are those before, plus exactly the versions that OK answers returned. */
  private static List<String> checkPolicies(Map<String, Policy> before, List<Call> calls) throws Exception {
    Map<String, Long> madeByOk = new TreeMap<>();
    for (Call call : calls) {
      if (call.outcome().status().isOk()
          && (call.method().equals("AdminService/CreatePolicy") || call.method().equals("AdminService/UpdatePolicy"))) {
        byte[] answer = call.outcome().answers().get(0);
        Policy made = call.method().endsWith("CreatePolicy")
            ? CreatePolicyResponse.parseFrom(answer).getPolicy() : UpdatePolicyResponse.parseFrom(answer).getPolicy();
        madeByOk.merge(made.getName(), made.getVersion(), Math::max);
      }
    }
    List<String> wrong = new ArrayList<>();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    do {
      wrong.clear();
      Map<String, Policy> after = policies();
      for (var e : after.entrySet()) {
        Long made = madeByOk.get(e.getKey());
        if (made != null) {
          if (e.getValue().getVersion() != made) {
            wrong.add("policy " + trimmed(e.getKey()) + " is at v" + e.getValue().getVersion()
                + " but OK answers made it up to v" + made);
          }
        } else if (!before.containsKey(e.getKey())) {
          wrong.add("policy " + trimmed(e.getKey()) + " v" + e.getValue().getVersion()
              + " was stored, yet no call that made it answered OK");
        } else if (!before.get(e.getKey()).equals(e.getValue())) {
          wrong.add("policy " + trimmed(e.getKey()) + " changed, yet no call that changed it answered OK: "
              + HostileMessages.trim(TextFormat.shortDebugString(e.getValue()), 300));
        }
      }
      before.keySet().stream().filter(name -> !after.containsKey(name))
          .forEach(name -> wrong.add("policy " + trimmed(name) + " is gone"));
      madeByOk.keySet().stream().filter(name -> !after.containsKey(name))
          .forEach(name -> wrong.add("policy " + trimmed(name) + " answered OK but is not listed"));
      if (!wrong.isEmpty()) {
        Thread.sleep(1000);
      }
    } while (!wrong.isEmpty() && System.nanoTime() < until);
    return wrong;
  }

  private static String trimmed(String s) {
    return HostileMessages.trim(s, 60);
  }

  /** Which allowance an audit action draws on: the kinds of OK answer that may have caused it. */
  private static String bucketOf(String action) {
    return switch (action) {
      case "policy.created", "policy.updated" -> "policy version";
      case "device.enrolled", "device.reenrolled" -> "enrollment";
      case "policy.applied", "pause.started", "pause.resumed", "pause.ended", "exemption.requested",
          "notice.acknowledged" -> "device request";
      case "exemption.approved", "exemption.expired" -> "exemption approved";
      default -> action.startsWith("rollout.") ? "rollout" : action;
    };
  }

  /**
   * Every audit event the fuzz added is explained by a call that answered OK (or, for the designed
   * trail of refused enrollments, by an enrollment refused as taken or revoked). Each OK answer
   * explains a bounded number of events, so a refused call that stored something shows up here.
   */
  private static List<String> checkAudit(List<AuditEvent> before, List<AuditEvent> after, List<Call> calls)
      throws Exception {
    Map<String, Integer> allowed = new HashMap<>();
    Set<String> unbounded = new TreeSet<>();
    for (Call call : calls) {
      Status.Code code = call.outcome().status().getCode();
      String method = call.method().substring(call.method().indexOf('/') + 1);
      if (call.method().equals("AgentService/Connect")) {
        // An accepted request, and what follows from it (a pause runs out).
        allowed.merge("device request", 2 * call.acceptedRequests(), Integer::sum);
        continue;
      }
      if (call.method().equals("AgentService/Enroll")) {
        if (code == Status.Code.OK) {
          // The device, and the default policy the controller assigns it.
          allowed.merge("enrollment", 1, Integer::sum);
          allowed.merge("policy.assigned", 1, Integer::sum);
        } else if (code == Status.Code.ALREADY_EXISTS || code == Status.Code.FAILED_PRECONDITION) {
          allowed.merge("enrollment.refused", 1, Integer::sum);
        }
        continue;
      }
      if (code != Status.Code.OK) {
        continue;
      }
      switch (method) {
        case "CreatePolicy", "UpdatePolicy" -> allowed.merge("policy version", 1, Integer::sum);
        case "AssignPolicy" -> {
          int devices = (int) AssignPolicyResponse.parseFrom(call.outcome().answers().get(0)).getAssignedDeviceCount();
          allowed.merge("policy.assigned", devices, Integer::sum);
          allowed.merge("device request", devices, Integer::sum);
        }
        case "StartRollout", "PauseRollout", "ResumeRollout", "AbortRollout", "RollbackRollout" ->
            // A rollout goes on by itself: waves, assignments, agents applying.
            unbounded.addAll(List.of("rollout", "policy.assigned", "device request"));
        case "ApproveExemption" -> allowed.merge("exemption approved", 2, Integer::sum);
        case "DenyExemption", "RevokeExemption", "ResetDevice", "RevokeDevice" ->
            allowed.merge(switch (method) {
              case "DenyExemption" -> "exemption.denied";
              case "RevokeExemption" -> "exemption.revoked";
              case "ResetDevice" -> "device.reset";
              default -> "device.revoked";
            }, 1, Integer::sum);
        case "StartPause", "EndPause", "RequestExemption", "AcknowledgeNotice" ->
            // From the employee socket: the request, and what follows from it (a pause runs out).
            allowed.merge("device request", 2, Integer::sum);
        case "CreateEnrollmentToken" -> allowed.merge("token.created", 1, Integer::sum);
        case "RevokeEnrollmentToken" -> allowed.merge("token.revoked", 1, Integer::sum);
        default -> {
          // Reads, and the gate's answers: nothing to store.
        }
      }
    }
    Map<String, Integer> seenBefore = new HashMap<>();
    before.forEach(e -> seenBefore.merge(TextFormat.shortDebugString(e), 1, Integer::sum));
    List<String> wrong = new ArrayList<>();
    for (AuditEvent event : after) {
      String key = TextFormat.shortDebugString(event);
      if (seenBefore.getOrDefault(key, 0) > 0) {
        seenBefore.merge(key, -1, Integer::sum);
        continue;
      }
      String bucket = bucketOf(event.getAction());
      if (event.getActor().equals("dev-viewer")) {
        wrong.add("the viewer wrote to the audit trail: " + HostileMessages.trim(key, 300));
      } else if (!unbounded.contains(bucket) && allowed.merge(bucket, -1, Integer::sum) < 0) {
        wrong.add("audit event with no OK answer to explain it: " + HostileMessages.trim(key, 300));
      }
    }
    seenBefore.forEach((key, left) -> {
      if (left > 0) {
        wrong.add("audit event gone: " + HostileMessages.trim(key, 300));
      }
    });
    return wrong;
  }

  // ---- the report ----

  /**
   * Counts by status code per method and identity, then the wrong answers grouped by kind and method
   * (one example each) and every one in full; to stdout and target/fuzz-report.txt. Returns the table and groups.
   */
  private static String writeReport(List<Call> calls, List<String> failures, List<String> afterwards, Duration took)
      throws IOException {
    Set<Status.Code> codes = new TreeSet<>();
    Map<String, Map<Status.Code, Integer>> rows = new TreeMap<>();
    Map<String, Long> slowest = new HashMap<>();
    for (Call call : calls) {
      String row = call.method() + " | " + call.identity().name();
      Status.Code code = call.outcome().status().getCode();
      codes.add(code);
      rows.computeIfAbsent(row, r -> new TreeMap<>()).merge(code, 1, Integer::sum);
      slowest.merge(row, call.outcome().took().toMillis(), Math::max);
    }
    StringBuilder out = new StringBuilder();
    out.append("Fuzz of fleet.v1 AdminService and AgentService and the agent's local API: ").append(calls.size())
        .append(" calls in ").append(took.toSeconds()).append(" s, seed ").append(SEED).append(", ")
        .append(failures.size()).append(" wrong answers, ").append(afterwards.size()).append(" failed checks after\n\n");
    int width = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
    out.append(String.format("%-" + width + "s", "method | identity"));
    codes.forEach(c -> out.append(String.format(" %" + Math.max(4, c.name().length()) + "s", c.name())));
    out.append(String.format(" %8s%n", "max ms"));
    rows.forEach((row, counts) -> {
      out.append(String.format("%-" + width + "s", row));
      codes.forEach(c -> out.append(String.format(" %" + Math.max(4, c.name().length()) + "d", counts.getOrDefault(c, 0))));
      out.append(String.format(" %8d%n", slowest.get(row)));
    });
    out.append(String.format("%-" + width + "s", "all"));
    codes.forEach(c -> out.append(String.format(" %" + Math.max(4, c.name().length()) + "d",
        calls.stream().filter(call -> call.outcome().status().getCode() == c).count())));
    out.append("\n");
    if (!afterwards.isEmpty()) {
      out.append("\nAfter the fuzz:\n");
      afterwards.forEach(f -> out.append(f).append('\n'));
    }
    if (!failures.isEmpty()) {
      // "why | method as identity: ..." grouped by why and method.
      Map<String, List<String>> groups = new TreeMap<>();
      for (String f : failures) {
        int from = f.indexOf(" | ") + 3;
        String method = f.substring(from, f.indexOf(" as ", from));
        groups.computeIfAbsent(f.substring(0, f.indexOf(" | ")) + " | " + method, g -> new ArrayList<>()).add(f);
      }
      out.append("\nWrong answers by kind and method (count, one example):\n");
      groups.forEach((group, list) -> out.append(list.size()).append(" x ").append(group).append("\n    e.g. ")
          .append(HostileMessages.trim(list.get(0).substring(list.get(0).indexOf(" | ") + 3), 400)).append('\n'));
    }
    String summary = out.toString();
    if (!failures.isEmpty()) {
      out.append("\nEvery wrong answer:\n");
      failures.forEach(f -> out.append(f).append('\n'));
    }
    System.out.println(summary);
    Files.createDirectories(REPORT.getParent());
    Files.writeString(REPORT, out);
    return summary;
  }
}
