package io.fleetcontrol.fleetctl;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.ApproveExemptionResponse;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyResponse;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionResponse;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionReason;
import io.fleetcontrol.proto.v1.ExemptionScope;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetPolicyResponse;
import io.fleetcontrol.proto.v1.GetServerInfoRequest;
import io.fleetcontrol.proto.v1.GetServerInfoResponse;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.ListPoliciesResponse;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.fleetcontrol.proto.v1.RevokeExemptionResponse;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import io.fleetcontrol.proto.v1.UpdatePolicyResponse;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/** Canned AdminService answers, and a record of what the CLI sent. */
final class FakeAdminService extends UnimplementedAdminService {
  static final GetFleetSummaryResponse SUMMARY = GetFleetSummaryResponse.newBuilder()
      .setTotal(12).setOnline(9).setStale(2).setOffline(1)
      .putByCaptureState("CAPTURE_STATE_ACTIVE", 8)
      .putByCaptureState("CAPTURE_STATE_NO_POLICY", 3)
      .putByCaptureState("CAPTURE_STATE_PAUSED", 1)
      .addByAppliedPolicy(count("", 0, 3)).addByAppliedPolicy(count("default", 2, 5))
      .addByAppliedPolicy(count("engineering", 10, 4))
      .putByJurisdiction("DE", 7).putByJurisdiction("FR", 5)
      .putByLabel("team=sales", 6)
      .build();

  static final List<Device> DEVICES = IntStream.rangeClosed(1, 5).mapToObj(FakeAdminService::device).toList();

  /** The one device GetDevice knows; every other id is NOT_FOUND. */
  static final String KNOWN_ID = "dev-01";
  /** A device whose own strings try to rewrite the admin's terminal. */
  static final String HOSTILE_ID = "hostile";
  /** ESC (clear screen), CR, BEL, backspace and a right-to-left override. */
  static final String HOSTILE_TEXT = "evil\u001b[2J\rok\u0007\b\u202egpj.exe";
  /** A device id the fake never answers for, to exercise the deadline. */
  static final String SILENT_ID = "silent";

  /** Policy names starting with this are refused as a server refuses an invalid policy. */
  static final String INVALID_PREFIX = "bad-";
  static final String INVALID_DESCRIPTION =
      "allowlist[3].pattern: \"http://x.com\" is not a host pattern; pause.max_pause: must be at most 8h";
  /** What AssignPolicy answers for a label selector (device ids count themselves, "all" is every device). */
  static final long LABELLED_DEVICES = 7;
  /** ListPolicies and ListExemptions pages hold at most this many, whatever page_size asks. */
  static final int MAX_PAGE = 2;
  static final Instant CREATED = Instant.parse("2026-11-20T10:00:00Z");

  static final List<Exemption> EXEMPTIONS = List.of(
      exemption("dev-01", "ex-1", ExemptionStatus.EXEMPTION_STATUS_REQUESTED),
      exemption("dev-01", "ex-2", ExemptionStatus.EXEMPTION_STATUS_APPROVED),
      exemption("dev-02", "ex-1", ExemptionStatus.EXEMPTION_STATUS_REQUESTED),
      exemption("dev-03", "ex-1", ExemptionStatus.EXEMPTION_STATUS_DENIED),
      exemption("dev-04", "ex-1", ExemptionStatus.EXEMPTION_STATUS_REQUESTED));

  final List<Metadata> metadata = new CopyOnWriteArrayList<>();
  final List<ListDevicesRequest> listRequests = new CopyOnWriteArrayList<>();
  /** Every policy and exemption request, in the order they came. */
  final List<Object> requests = new CopyOnWriteArrayList<>();
  /** Stored versions by policy name; versions[0] is v1. */
  private final Map<String, List<Policy>> policies = new TreeMap<>();

  /** A version no build of this repository has, so a test tells the server's from fleetctl's. */
  static final GetServerInfoResponse SERVER_INFO = GetServerInfoResponse.newBuilder()
      .setVersion("9.8.7-fake").setApiVersion("fleet.v1").setNodeAddress("pekko://fleet@10.0.3.17:7355")
      .setStartTime(timestamp(Instant.parse("2026-11-20T08:00:00Z"))).setJavaVersion("17.0.12+7")
      .build();

  /** False: GetServerInfo is UNIMPLEMENTED, as on a controller built before it existed. */
  volatile boolean servesServerInfo = true;

  @Override
  public CompletionStage<GetServerInfoResponse> getServerInfo(GetServerInfoRequest in, Metadata md) {
    metadata.add(md);
    return servesServerInfo ? CompletableFuture.completedFuture(SERVER_INFO)
        : failed(Status.UNIMPLEMENTED.withDescription("Method not found: fleet.v1.AdminService/GetServerInfo"));
  }

  void reset() {
    servesServerInfo = true;
    seedEnrollmentTokens();
    rolloutLooks.set(0);
    metadata.clear();
    listRequests.clear();
    auditRequests.clear();
    requests.clear();
    synchronized (policies) {
      policies.clear();
    }
  }

  /** The requests of one type, oldest first. */
  <T> List<T> sent(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Stores a policy as the next version of its name, as Create/UpdatePolicy would. */
  Policy store(Policy draft) {
    synchronized (policies) {
      List<Policy> versions = policies.computeIfAbsent(draft.getName(), name -> new ArrayList<>());
      Policy stored = draft.toBuilder()
          .setVersion(versions.size() + 1)
          .setCreateTime(timestamp(CREATED.plusSeconds(versions.size())))
          .build();
      versions.add(stored);
      return stored;
    }
  }

  private boolean exists(String name) {
    synchronized (policies) {
      return policies.containsKey(name);
    }
  }

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata md) {
    requests.add(in);
    String name = in.getPolicy().getName();
    if (name.startsWith(INVALID_PREFIX)) {
      return failed(Status.INVALID_ARGUMENT.withDescription(INVALID_DESCRIPTION));
    }
    if (exists(name)) {
      return failed(Status.ALREADY_EXISTS.withDescription("policy " + name + " exists"));
    }
    return CompletableFuture.completedFuture(CreatePolicyResponse.newBuilder().setPolicy(store(in.getPolicy())).build());
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata md) {
    requests.add(in);
    String name = in.getPolicy().getName();
    if (name.startsWith(INVALID_PREFIX)) {
      return failed(Status.INVALID_ARGUMENT.withDescription(INVALID_DESCRIPTION));
    }
    if (!exists(name)) {
      return failed(Status.NOT_FOUND.withDescription("policy " + name + " does not exist"));
    }
    return CompletableFuture.completedFuture(UpdatePolicyResponse.newBuilder().setPolicy(store(in.getPolicy())).build());
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata md) {
    requests.add(in);
    synchronized (policies) {
      List<Policy> versions = policies.get(in.getName());
      if (versions == null || in.getVersion() > versions.size()) {
        return failed(Status.NOT_FOUND.withDescription("policy " + in.getName() + " v" + in.getVersion() + " does not exist"));
      }
      Policy policy = versions.get((int) (in.getVersion() == 0 ? versions.size() : in.getVersion()) - 1);
      return CompletableFuture.completedFuture(GetPolicyResponse.newBuilder().setPolicy(policy).build());
    }
  }

  /** The latest of each name, by name, in pages of at most MAX_PAGE; the token is the next offset. */
  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata md) {
    requests.add(in);
    List<Policy> latest;
    synchronized (policies) {
      latest = policies.values().stream().map(versions -> versions.get(versions.size() - 1)).toList();
    }
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken());
    int to = Math.min(latest.size(), from + Math.min(MAX_PAGE, in.getPageSize()));
    ListPoliciesResponse.Builder page = ListPoliciesResponse.newBuilder().addAllPolicies(latest.subList(from, to));
    if (to < latest.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<AssignPolicyResponse> assignPolicy(AssignPolicyRequest in, Metadata md) {
    requests.add(in);
    long count = in.getSelector().getAll() ? DEVICES.size()
        : in.getSelector().getLabelsCount() > 0 ? LABELLED_DEVICES : in.getSelector().getDeviceIdsCount();
    return CompletableFuture.completedFuture(AssignPolicyResponse.newBuilder().setAssignedDeviceCount(count).build());
  }

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in, Metadata md) {
    requests.add(in);
    List<Exemption> matching = EXEMPTIONS.stream()
        .filter(e -> in.getStatusValue() == 0 || e.getStatus() == in.getStatus())
        .filter(e -> in.getDeviceId().isEmpty() || e.getDeviceId().equals(in.getDeviceId()))
        .toList();
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken().substring("after-".length()));
    int to = Math.min(matching.size(), from + Math.min(MAX_PAGE, in.getPageSize()));
    ListExemptionsResponse.Builder page = ListExemptionsResponse.newBuilder().addAllExemptions(matching.subList(from, to));
    if (to < matching.size()) {
      page.setNextPageToken("after-" + to);
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(ApproveExemptionRequest in, Metadata md) {
    requests.add(in);
    return decided(in.getDeviceId(), in.getExemptionId(), ExemptionStatus.EXEMPTION_STATUS_APPROVED, "")
        .thenApply(e -> ApproveExemptionResponse.newBuilder()
            .setExemption(e.toBuilder().setExpireTime(in.getExpireTime())).build());
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata md) {
    requests.add(in);
    return decided(in.getDeviceId(), in.getExemptionId(), ExemptionStatus.EXEMPTION_STATUS_DENIED, in.getReason())
        .thenApply(e -> DenyExemptionResponse.newBuilder().setExemption(e).build());
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(RevokeExemptionRequest in, Metadata md) {
    requests.add(in);
    return decided(in.getDeviceId(), in.getExemptionId(), ExemptionStatus.EXEMPTION_STATUS_REVOKED, in.getReason())
        .thenApply(e -> RevokeExemptionResponse.newBuilder().setExemption(e).build());
  }

  private static CompletionStage<Exemption> decided(String deviceId, String exemptionId, ExemptionStatus status, String reason) {
    return EXEMPTIONS.stream()
        .filter(e -> e.getDeviceId().equals(deviceId) && e.getExemptionId().equals(exemptionId))
        .findFirst()
        .map(e -> CompletableFuture.completedFuture(e.toBuilder()
            .setStatus(status).setDecidedBy("fake-admin").setDecisionReason(reason)
            .setDecideTime(timestamp(Instant.now())).build()))
        .orElseGet(() -> CompletableFuture.failedFuture(new GrpcServiceException(
            Status.NOT_FOUND.withDescription("exemption " + exemptionId + " of " + deviceId + " does not exist"))));
  }

  private static <T> CompletionStage<T> failed(Status status) {
    return CompletableFuture.failedFuture(new GrpcServiceException(status));
  }

  private static Exemption exemption(String deviceId, String exemptionId, ExemptionStatus status) {
    Exemption.Builder e = Exemption.newBuilder()
        .setDeviceId(deviceId).setExemptionId(exemptionId)
        .setScope(ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS)
        .setReason(ExemptionReason.EXEMPTION_REASON_BANDWIDTH)
        .setComment("home connection is metered")
        .setStatus(status)
        .setRequestTime(timestamp(Instant.parse("2026-11-21T09:00:00Z")));
    if (status == ExemptionStatus.EXEMPTION_STATUS_APPROVED) {
      e.setExpireTime(timestamp(Instant.parse("2026-12-01T00:00:00Z"))).setDecidedBy("hr@example.com");
    }
    if (status == ExemptionStatus.EXEMPTION_STATUS_DENIED) {
      e.setDecidedBy("hr@example.com").setDecisionReason("not covered");
    }
    return e.build();
  }

  static final List<AuditEvent> AUDIT = IntStream.rangeClosed(1, 5).mapToObj(i -> AuditEvent.newBuilder()
      .setEventTime(timestamp(Instant.parse("2026-11-22T10:00:00Z").minusSeconds(60L * i)))
      .setActor("device:dev-0" + i).setAction("pause.started").setDeviceId("dev-0" + i)
      .setDetail("the employee paused capture for 15 min").build()).toList();

  final List<io.fleetcontrol.proto.v1.ListAuditEventsRequest> auditRequests = new CopyOnWriteArrayList<>();

  /** Pages of at most MAX_PAGE; the token is the offset of the next page. */
  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.ListAuditEventsResponse> listAuditEvents(
      io.fleetcontrol.proto.v1.ListAuditEventsRequest in, Metadata md) {
    metadata.add(md);
    auditRequests.add(in);
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken());
    int to = Math.min(AUDIT.size(), from + Math.min(MAX_PAGE, in.getPageSize()));
    var page = io.fleetcontrol.proto.v1.ListAuditEventsResponse.newBuilder().addAllEvents(AUDIT.subList(from, to));
    if (to < AUDIT.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(GetFleetSummaryRequest in, Metadata md) {
    metadata.add(md);
    return CompletableFuture.completedFuture(SUMMARY);
  }

  /** Pages through DEVICES honouring page_size; the token is the offset of the next page. */
  @Override
  public CompletionStage<ListDevicesResponse> listDevices(ListDevicesRequest in, Metadata md) {
    metadata.add(md);
    listRequests.add(in);
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken());
    int to = Math.min(DEVICES.size(), from + (in.getPageSize() == 0 ? 100 : in.getPageSize()));
    ListDevicesResponse.Builder page = ListDevicesResponse.newBuilder()
        .addAllDevices(DEVICES.subList(from, to))
        .setTotalSize(DEVICES.size());
    if (to < DEVICES.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata md) {
    metadata.add(md);
    if (in.getDeviceId().equals(SILENT_ID)) {
      return new CompletableFuture<>();
    }
    if (in.getDeviceId().equals(HOSTILE_ID)) {
      return CompletableFuture.completedFuture(GetDeviceResponse.newBuilder()
          .setDevice(DEVICES.get(0).toBuilder().setDeviceId(HOSTILE_ID).setOwner(HOSTILE_TEXT)
              .setAgentVersion(HOSTILE_TEXT).putLabels("team", HOSTILE_TEXT))
          .addHistory(AuditEvent.newBuilder().setEventTime(timestamp(Instant.parse("2025-01-02T03:04:05Z")))
              .setActor("system").setAction("device.enrolled").setDeviceId(HOSTILE_ID).setDetail(HOSTILE_TEXT))
          .build());
    }
    if (!in.getDeviceId().equals(KNOWN_ID)) {
      return CompletableFuture.failedFuture(new GrpcServiceException(
          Status.NOT_FOUND.withDescription("device \"" + in.getDeviceId() + "\" is not enrolled")));
    }
    return CompletableFuture.completedFuture(GetDeviceResponse.newBuilder()
        .setDevice(KNOWN_DEVICE)
        .addHistory(AuditEvent.newBuilder()
            .setEventTime(timestamp(Instant.parse("2025-01-02T03:04:05Z")))
            .setActor("system").setAction("device.enrolled").setDeviceId(KNOWN_ID)
            .setDetail("enrolled with a bootstrap token"))
        .build());
  }

  /** dev-01 as GetDevice tells it: every field of Device set, messages and optional ones included. */
  static final Device KNOWN_DEVICE = DEVICES.get(0).toBuilder()
      .setIdentityState(io.fleetcontrol.proto.v1.IdentityState.IDENTITY_STATE_REVOKED)
      .setTimeZone("Europe/Berlin")
      .setActivePause(io.fleetcontrol.proto.v1.Pause.newBuilder()
          .setStartTime(timestamp(Instant.parse("2026-11-22T09:00:00Z")))
          .setEndTime(timestamp(Instant.parse("2026-11-22T09:30:00Z"))))
      .addExemptions(Exemption.newBuilder().setExemptionId("ex-1").setDeviceId(KNOWN_ID)
          .setScope(ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS).setReason(ExemptionReason.EXEMPTION_REASON_BANDWIDTH)
          .setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED)
          .setRequestTime(timestamp(Instant.parse("2026-11-21T09:00:00Z"))))
      .setLatestTelemetry(io.fleetcontrol.proto.v1.Telemetry.newBuilder()
          .setBatteryPercent(80).setBatteryKnown(true).setUploadedBytesDelta(4_096).setAgentRssBytes(50_000_000L))
      .setHealth(io.fleetcontrol.proto.v1.DeviceHealth.newBuilder()
          .setSamplesLastHour(60).setBatteryDrainPercentPerHour(4.5).setUploadedBytesPerHour(1_000_000L))
      .setPausesTakenToday(2)
      .build();

  private static io.fleetcontrol.proto.v1.PolicyVersion version(String name, long number) {
    return io.fleetcontrol.proto.v1.PolicyVersion.newBuilder().setPolicyName(name).setVersion(number).build();
  }

  private static io.fleetcontrol.proto.v1.PolicyVersionCount count(String name, long number, long devices) {
    return io.fleetcontrol.proto.v1.PolicyVersionCount.newBuilder()
        .setPolicy(version(name, number)).setDevices(devices).build();
  }

  /** dev-05 has never been seen, to show how a missing timestamp prints. */
  private static Device device(int n) {
    Device.Builder device = Device.newBuilder()
        .setDeviceId(String.format("dev-%02d", n))
        .setOwner("owner" + n + "@example.com")
        .setJurisdiction(n % 2 == 0 ? "FR" : "DE")
        .putLabels("team", "sales")
        .setAgentVersion("1.4." + n)
        .setEnrollTime(timestamp(Instant.parse("2025-01-02T03:04:05Z")))
        .setTargetPolicy(version("default", 2))
        .setAppliedPolicy(version("default", n == 3 ? 1 : 2))
        .setConnectionState(n == 4 ? ConnectionState.CONNECTION_STATE_STALE : ConnectionState.CONNECTION_STATE_ONLINE)
        .setCaptureState(n == 3 ? CaptureState.CAPTURE_STATE_NO_POLICY : CaptureState.CAPTURE_STATE_ACTIVE)
        .setCaptureStateReason(n == 3 ? "waiting for policy" : "");
    if (n != 5) {
      device.setLastSeenTime(timestamp(Instant.now().minusSeconds(30)));
    }
    return device.build();
  }

  private static Timestamp timestamp(Instant instant) {
    return WireTime.toProto(instant);
  }

  // --- rollouts: a rollout that is running on the first look and has succeeded on the third ---

  private final java.util.concurrent.atomic.AtomicInteger rolloutLooks = new java.util.concurrent.atomic.AtomicInteger();

  static io.fleetcontrol.proto.v1.Rollout rollout(io.fleetcontrol.proto.v1.RolloutStatus status, int wave, long acked,
      String message) {
    var r = io.fleetcontrol.proto.v1.Rollout.newBuilder()
        .setRolloutId("default-1").setPolicyName("default").setPolicyVersion(2)
        .setStatus(status).setCurrentWave(wave).setStatusMessage(message)
        .setCreateTime(timestamp(CREATED));
    double[] percents = {1, 10, 50, 100};
    for (int i = 0; i < percents.length; i++) {
      var w = io.fleetcontrol.proto.v1.RolloutWave.newBuilder().setPercent(percents[i]);
      if (i < wave || status == io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_SUCCEEDED) {
        w.setState("passed").setGateMessage("all acked");
      } else if (i == wave) {
        w.setState("running").setDeviceCount(90).setAckedCount(acked).setGateMessage("waiting for acks");
      } else {
        w.setState("pending");
      }
      r.addWaves(w);
    }
    return r.build();
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.StartRolloutResponse> startRollout(
      io.fleetcontrol.proto.v1.StartRolloutRequest in, Metadata md) {
    requests.add(in);
    if (in.getPolicyVersion() == 99) {
      return failed(Status.INVALID_ARGUMENT.withDescription("the rollout is not valid: policy default version 99 is unknown"));
    }
    rolloutLooks.set(0);
    return java.util.concurrent.CompletableFuture.completedFuture(io.fleetcontrol.proto.v1.StartRolloutResponse.newBuilder()
        .setRollout(rollout(io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_RUNNING, 0, 0, "wave 1 running")).build());
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.GetRolloutResponse> getRollout(
      io.fleetcontrol.proto.v1.GetRolloutRequest in, Metadata md) {
    if (!in.getRolloutId().equals("default-1")) {
      return failed(Status.NOT_FOUND.withDescription("policy default has no rollout " + in.getRolloutId()));
    }
    int look = rolloutLooks.incrementAndGet();
    var r = look >= 3
        ? rollout(io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_SUCCEEDED, 3, 0, "succeeded: every wave passed")
        : rollout(io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_RUNNING, 1, 45L * look, "wave 2 running");
    return java.util.concurrent.CompletableFuture.completedFuture(
        io.fleetcontrol.proto.v1.GetRolloutResponse.newBuilder().setRollout(r).build());
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.ListRolloutsResponse> listRollouts(
      io.fleetcontrol.proto.v1.ListRolloutsRequest in, Metadata md) {
    requests.add(in);
    return java.util.concurrent.CompletableFuture.completedFuture(io.fleetcontrol.proto.v1.ListRolloutsResponse.newBuilder()
        .addRollouts(rollout(io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_ROLLED_BACK, 0, 3,
            "wave 1 failed its gate: battery drain 30.0%/h on the wave against 10.0%/h on the rest"))
        .build());
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.PauseRolloutResponse> pauseRollout(
      io.fleetcontrol.proto.v1.PauseRolloutRequest in, Metadata md) {
    requests.add(in);
    return java.util.concurrent.CompletableFuture.completedFuture(io.fleetcontrol.proto.v1.PauseRolloutResponse.newBuilder()
        .setRollout(rollout(io.fleetcontrol.proto.v1.RolloutStatus.ROLLOUT_STATUS_PAUSED, 1, 40, "paused by dev-admin"))
        .build());
  }

  // --- devices: reset and revoke answer for KNOWN_ID only ---

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.ResetDeviceResponse> resetDevice(
      io.fleetcontrol.proto.v1.ResetDeviceRequest in, Metadata md) {
    requests.add(in);
    if (!in.getDeviceId().equals(KNOWN_ID)) {
      return failed(Status.NOT_FOUND.withDescription("device \"" + in.getDeviceId() + "\" is not enrolled"));
    }
    return CompletableFuture.completedFuture(
        io.fleetcontrol.proto.v1.ResetDeviceResponse.newBuilder().setDeviceId(in.getDeviceId()).build());
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.RevokeDeviceResponse> revokeDevice(
      io.fleetcontrol.proto.v1.RevokeDeviceRequest in, Metadata md) {
    requests.add(in);
    if (!in.getDeviceId().equals(KNOWN_ID)) {
      return failed(Status.NOT_FOUND.withDescription("device \"" + in.getDeviceId() + "\" is not enrolled"));
    }
    return CompletableFuture.completedFuture(
        io.fleetcontrol.proto.v1.RevokeDeviceResponse.newBuilder().setDeviceId(in.getDeviceId()).build());
  }

  // --- enrollment tokens: one of each state, then whatever the test creates ---

  static final String CREATED_BY = "admin@example.com";

  /** Active, expired, revoked and used up, in that order; expiries are relative to the real clock. */
  static final List<io.fleetcontrol.proto.v1.EnrollmentToken> ENROLLMENT_TOKENS = List.of(
      enrollmentToken("et-active", 50, 3, Instant.now().plusSeconds(7 * 86_400)).toBuilder()
          .putLabels("team", "sales").putLabels("os", "mac").setJurisdiction("DE").build(),
      enrollmentToken("et-expired", 10, 1, Instant.now().minusSeconds(86_400)),
      enrollmentToken("et-revoked", 10, 2, Instant.now().plusSeconds(86_400)).toBuilder()
          .setRevoked(true).setRevokedBy(CREATED_BY).build(),
      enrollmentToken("et-usedup", 5, 5, Instant.now().plusSeconds(86_400)));

  /** By id, in creation order. */
  private final Map<String, io.fleetcontrol.proto.v1.EnrollmentToken> enrollmentTokens = new java.util.LinkedHashMap<>();

  {
    seedEnrollmentTokens();
  }

  private void seedEnrollmentTokens() {
    synchronized (enrollmentTokens) {
      enrollmentTokens.clear();
      ENROLLMENT_TOKENS.forEach(t -> enrollmentTokens.put(t.getTokenId(), t));
    }
  }

  private static io.fleetcontrol.proto.v1.EnrollmentToken enrollmentToken(String id, int maxUses, int used, Instant expiry) {
    return io.fleetcontrol.proto.v1.EnrollmentToken.newBuilder()
        .setTokenId(id).setMaxUses(maxUses).setUsed(used)
        .setCreateTime(timestamp(CREATED)).setExpireTime(timestamp(expiry))
        .setCreatedBy(CREATED_BY)
        .build();
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.CreateEnrollmentTokenResponse> createEnrollmentToken(
      io.fleetcontrol.proto.v1.CreateEnrollmentTokenRequest in, Metadata md) {
    requests.add(in);
    synchronized (enrollmentTokens) {
      String id = "et-new" + enrollmentTokens.size();
      var token = io.fleetcontrol.proto.v1.EnrollmentToken.newBuilder()
          .setTokenId(id).setMaxUses(in.getMaxUses()).setExpireTime(in.getExpireTime())
          .putAllLabels(in.getLabelsMap()).setJurisdiction(in.getJurisdiction())
          .setCreateTime(timestamp(Instant.now())).setCreatedBy(CREATED_BY)
          .build();
      enrollmentTokens.put(id, token);
      return CompletableFuture.completedFuture(io.fleetcontrol.proto.v1.CreateEnrollmentTokenResponse.newBuilder()
          .setEnrollmentToken(token).setSecretToken(id + ".s3cr3t").build());
    }
  }

  /** Pages of at most MAX_PAGE, so the CLI has to follow next_page_token; the token is the offset. */
  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.ListEnrollmentTokensResponse> listEnrollmentTokens(
      io.fleetcontrol.proto.v1.ListEnrollmentTokensRequest in, Metadata md) {
    requests.add(in);
    List<io.fleetcontrol.proto.v1.EnrollmentToken> all;
    synchronized (enrollmentTokens) {
      all = List.copyOf(enrollmentTokens.values());
    }
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken());
    int to = Math.min(all.size(), from + Math.min(MAX_PAGE, in.getPageSize()));
    var page = io.fleetcontrol.proto.v1.ListEnrollmentTokensResponse.newBuilder().addAllEnrollmentTokens(all.subList(from, to));
    if (to < all.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<io.fleetcontrol.proto.v1.RevokeEnrollmentTokenResponse> revokeEnrollmentToken(
      io.fleetcontrol.proto.v1.RevokeEnrollmentTokenRequest in, Metadata md) {
    requests.add(in);
    synchronized (enrollmentTokens) {
      var token = enrollmentTokens.get(in.getTokenId());
      if (token == null) {
        return failed(Status.NOT_FOUND.withDescription("enrollment token " + in.getTokenId() + " does not exist"));
      }
      token = token.toBuilder().setRevoked(true).setRevokedBy(CREATED_BY).build();
      enrollmentTokens.put(token.getTokenId(), token);
      return CompletableFuture.completedFuture(
          io.fleetcontrol.proto.v1.RevokeEnrollmentTokenResponse.newBuilder().setEnrollmentToken(token).build());
    }
  }
}
