package io.fleetcontrol.controller;

import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.device.ExemptionRecord;
import io.fleetcontrol.proto.v1.*;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/**
 * Admins' edge. Fleet-wide answers come from the read side ({@link DeviceDirectory}) and this
 * node's presence memory, never from asking every entity; one device's detail asks its entity.
 */
final class AdminServiceImpl implements AdminServicePowerApi {

  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;
  private static final int SCAN_BATCH = 1000;
  private static final String PAGE_TOKEN_PREFIX = "devices-after:";

  private final ActorSystem<?> system;
  private final AdminTokens adminTokens;
  private final DeviceDirectory directory;
  private final LocalPresenceDirectory presence;
  private final Duration askTimeout;
  private final Clock clock;
  private final PolicyAdmin policies;
  private final RolloutAdmin rollouts;

  AdminServiceImpl(
      ActorSystem<?> system,
      AdminTokens adminTokens,
      DeviceDirectory directory,
      LocalPresenceDirectory presence,
      Duration askTimeout,
      Clock clock) {
    this.system = system;
    this.adminTokens = adminTokens;
    this.directory = directory;
    this.presence = presence;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.policies = new PolicyAdmin(system, directory, askTimeout);
    this.rollouts = new RolloutAdmin(system, policies, askTimeout);
  }

  // ---- fleet ----

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(
      GetFleetSummaryRequest in, Metadata metadata) {
    return guarded(metadata, AdminTokens.Role.VIEWER, () -> {
      Instant now = clock.instant();
      var summary = new FleetCounts();
      return scanAll(null, entry -> summary.add(entry, presence.presenceOf(entry.deviceId()),
              presence.connectionOf(entry.deviceId(), now)))
          .thenApply(done -> summary.toProto());
    });
  }

  /** Counts by each dimension, built while scanning the directory once. */
  private static final class FleetCounts {
    private final GetFleetSummaryResponse.Builder out = GetFleetSummaryResponse.newBuilder();
    private final Map<String, Long> byCapture = new HashMap<>();
    private final Map<String, Long> byVersion = new HashMap<>();
    private final Map<String, Long> byJurisdiction = new HashMap<>();
    private final Map<String, Long> byLabel = new HashMap<>();

    void add(DeviceDirectory.Entry entry, LocalPresenceDirectory.Presence heard, ConnectionState connection) {
      out.setTotal(out.getTotal() + 1);
      switch (connection) {
        case ONLINE -> out.setOnline(out.getOnline() + 1);
        case STALE -> out.setStale(out.getStale() + 1);
        case OFFLINE -> out.setOffline(out.getOffline() + 1);
      }
      if (heard != null) {
        byCapture.merge(ProtoMapping.toProto(heard.captureState()).name(), 1L, Long::sum);
      }
      byVersion.merge(Long.toString(entry.appliedPolicyVersion()), 1L, Long::sum);
      if (entry.jurisdiction() != null) {
        byJurisdiction.merge(entry.jurisdiction(), 1L, Long::sum);
      }
      entry.labels().forEach((k, v) -> byLabel.merge(k + "=" + v, 1L, Long::sum));
    }

    GetFleetSummaryResponse toProto() {
      return out.putAllByCaptureState(byCapture)
          .putAllByPolicyVersion(byVersion)
          .putAllByJurisdiction(byJurisdiction)
          .putAllByLabel(byLabel)
          .build();
    }
  }

  @Override
  public CompletionStage<ListDevicesResponse> listDevices(ListDevicesRequest in, Metadata metadata) {
    return guarded(metadata, AdminTokens.Role.VIEWER, () -> {
      int pageSize = pageSize(in.getPageSize());
      String after = decodePageToken(in.getPageToken());
      Predicate<Device> filter = DeviceFilter.from(in);
      List<Device> page = new ArrayList<>();
      return fillPage(after, pageSize, filter, page, clock.instant())
          .thenApply(
              next ->
                  ListDevicesResponse.newBuilder()
                      .addAllDevices(page)
                      .setNextPageToken(next == null ? "" : encodePageToken(next))
                      .build());
    });
  }

  /** Fills {@code page}; returns the device id to continue after, or null at the end. */
  private CompletionStage<String> fillPage(
      String after, int pageSize, Predicate<Device> filter, List<Device> page, Instant now) {
    return directory
        .page(after, SCAN_BATCH)
        .thenCompose(
            batch -> {
              String last = after;
              for (DeviceDirectory.Entry entry : batch) {
                last = entry.deviceId();
                Device device = ProtoMapping.toProto(entry, presence.presenceOf(entry.deviceId()),
                    presence.connectionOf(entry.deviceId(), now));
                if (filter.test(device)) {
                  page.add(device);
                  if (page.size() == pageSize) {
                    return CompletableFuture.completedFuture(last);
                  }
                }
              }
              if (batch.size() < SCAN_BATCH) {
                return CompletableFuture.completedFuture(null);
              }
              return fillPage(last, pageSize, filter, page, now);
            });
  }

  private CompletionStage<Void> scanAll(
      String after, java.util.function.Consumer<DeviceDirectory.Entry> each) {
    return directory
        .page(after, SCAN_BATCH)
        .thenCompose(
            batch -> {
              batch.forEach(each);
              if (batch.size() < SCAN_BATCH) {
                return CompletableFuture.completedFuture(null);
              }
              return scanAll(batch.get(batch.size() - 1).deviceId(), each);
            });
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata metadata) {
    return guarded(metadata, AdminTokens.Role.VIEWER, () -> {
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      return ClusterSharding.get(system)
          .entityRefFor(DeviceEntity.ENTITY_KEY, deviceId)
          .<DeviceSummary>askWithStatus(DeviceEntity.GetSummary::new, askTimeout)
          .handle(
              (summary, failure) -> {
                if (failure != null) {
                  throw GrpcErrors.notFoundOr("get device " + deviceId, failure);
                }
                ConnectionState connection = presence.connectionOf(deviceId, clock.instant());
                return GetDeviceResponse.newBuilder()
                    .setDevice(ProtoMapping.toProto(summary, connection))
                    .build();
              });
    });
  }

  // ---- paging and validation ----

  static int pageSize(int requested) {
    if (requested < 0 || requested > MAX_PAGE_SIZE) {
      throw InputRules.invalid(
          "page_size must be between 1 and " + MAX_PAGE_SIZE + ", or 0 for the default (got "
              + requested + ")");
    }
    return requested == 0 ? DEFAULT_PAGE_SIZE : requested;
  }

  static String encodePageToken(String afterDeviceId) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PAGE_TOKEN_PREFIX + afterDeviceId).getBytes(StandardCharsets.UTF_8));
  }

  static String decodePageToken(String token) {
    if (token.isEmpty()) {
      return null;
    }
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (decoded.startsWith(PAGE_TOKEN_PREFIX)) {
        return InputRules.deviceId("page_token", decoded.substring(PAGE_TOKEN_PREFIX.length()));
      }
    } catch (IllegalArgumentException | GrpcServiceException e) {
      // fall through: the caller gets one message whatever the kind of forgery
    }
    throw InputRules.invalid("page_token is not a token this server issued");
  }

  /** As {@link #guarded}, for calls that record who made the change. */
  private <T> CompletionStage<T> guardedAs(
      Metadata metadata, AdminTokens.Role needed, java.util.function.Function<AdminTokens.Caller, CompletionStage<T>> call) {
    try {
      return call.apply(adminTokens.require(metadata, needed));
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Checks the admin token and runs the call; synchronous validation failures become statuses. */
  private <T> CompletionStage<T> guarded(
      Metadata metadata, AdminTokens.Role needed, Supplier<CompletionStage<T>> call) {
    try {
      adminTokens.require(metadata, needed);
      return call.get();
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static <T> CompletionStage<T> unimplemented(String rpc) {
    return CompletableFuture.failedFuture(
        new GrpcServiceException(
            Status.UNIMPLEMENTED.withDescription(rpc + " is not available on this controller yet")));
  }

  // ---- policies ----

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> policies.create(in.getPolicy(), caller.name())
        .thenApply(p -> CreatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> policies.update(in.getPolicy(), caller.name())
        .thenApply(p -> UpdatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.VIEWER, () -> policies.get(in.getName(), in.getVersion())
        .thenApply(p -> GetPolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.VIEWER, () -> {
      pageSize(in.getPageSize());
      if (!in.getPageToken().isEmpty()) {
        throw InputRules.invalid("page_token is not a token this server issued");
      }
      // Policies are few: one page holds them all.
      return policies.list().thenApply(list -> ListPoliciesResponse.newBuilder()
          .addAllPolicies(list.stream().map(PolicyWire::toProto).toList())
          .build());
    });
  }

  @Override
  public CompletionStage<AssignPolicyResponse> assignPolicy(AssignPolicyRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.OPERATOR, () -> policies.assign(in));
  }

  // ---- exemptions ----

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.VIEWER, () -> {
      int pageSize = pageSize(in.getPageSize());
      int offset = decodeOffsetToken(in.getPageToken());
      if (in.getStatus() == ExemptionStatus.UNRECOGNIZED) {
        throw InputRules.invalid("status " + in.getStatusValue() + " is not an exemption status");
      }
      String status = in.getStatusValue() == 0 ? null : in.getStatus().name().substring("EXEMPTION_STATUS_".length());
      String device = in.getDeviceId().isEmpty() ? null : InputRules.deviceId("device_id", in.getDeviceId());
      return directory.allExemptions().thenApply(rows -> {
        List<DeviceDirectory.ExemptionRow> matching = rows.stream()
            .filter(r -> status == null || status.equals(r.status()))
            .filter(r -> device == null || device.equals(r.deviceId()))
            .sorted(java.util.Comparator.comparing(DeviceDirectory.ExemptionRow::requestTime,
                    java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder()))
                .thenComparing(DeviceDirectory.ExemptionRow::deviceId)
                .thenComparing(DeviceDirectory.ExemptionRow::exemptionId))
            .toList();
        int end = Math.min(matching.size(), offset + pageSize);
        var out = ListExemptionsResponse.newBuilder();
        matching.subList(Math.min(offset, matching.size()), end).forEach(r -> out.addExemptions(toProto(r)));
        if (end < matching.size()) {
          out.setNextPageToken(encodeOffsetToken(end));
        }
        return out.build();
      });
    });
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(ApproveExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.APPROVER, caller -> {
      if (!in.hasExpireTime()) {
        throw InputRules.invalid("expire_time is required: every approval ends by itself");
      }
      Instant expiry = ProtoMapping.fromProto(in.getExpireTime());
      return exemption(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
              new DeviceEntity.ApproveExemption(id, expiry, caller.name(), replyTo))
          .thenApply(e -> ApproveExemptionResponse.newBuilder().setExemption(e).build());
    });
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.APPROVER, caller -> {
      if (in.getReason().isBlank()) {
        throw InputRules.invalid("reason is required: the employee is told why");
      }
      String reason = InputRules.comment(in.getReason());
      return exemption(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
              new DeviceEntity.DenyExemption(id, reason, caller.name(), replyTo))
          .thenApply(e -> DenyExemptionResponse.newBuilder().setExemption(e).build());
    });
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(RevokeExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.APPROVER, caller -> {
      String reason = InputRules.comment(in.getReason());
      return exemption(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
              new DeviceEntity.RevokeExemption(id, reason, caller.name(), replyTo))
          .thenApply(e -> RevokeExemptionResponse.newBuilder().setExemption(e).build());
    });
  }

  /** Sends a decision to the device's entity and maps its answer and refusals. */
  private CompletionStage<Exemption> exemption(
      String deviceIdIn,
      String exemptionId,
      java.util.function.BiFunction<String, org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<ExemptionRecord>>, DeviceEntity.Command> command) {
    String deviceId = InputRules.deviceId("device_id", deviceIdIn);
    if (exemptionId.isEmpty() || exemptionId.length() > 64) {
      throw InputRules.invalid("exemption_id is required (at most 64 characters)");
    }
    return ClusterSharding.get(system)
        .entityRefFor(DeviceEntity.ENTITY_KEY, deviceId)
        .<ExemptionRecord>askWithStatus(replyTo -> command.apply(exemptionId, replyTo), askTimeout)
        .handle((record, failure) -> {
          if (failure != null) {
            throw GrpcErrors.notFoundOr("exemption " + exemptionId + " of " + deviceId, failure);
          }
          return ProtoMapping.toProto(deviceId, record);
        });
  }

  private static Exemption toProto(DeviceDirectory.ExemptionRow r) {
    var b = Exemption.newBuilder()
        .setDeviceId(r.deviceId())
        .setExemptionId(r.exemptionId())
        .setScope(ExemptionScope.valueOf("EXEMPTION_SCOPE_" + r.scope()))
        .setReason(ExemptionReason.valueOf("EXEMPTION_REASON_" + r.reason()))
        .setComment(r.comment() == null ? "" : r.comment())
        .setStatus(ExemptionStatus.valueOf("EXEMPTION_STATUS_" + r.status()));
    if (r.requestTime() != null) {
      b.setRequestTime(ProtoMapping.toProto(r.requestTime()));
    }
    if (r.expireTime() != null) {
      b.setExpireTime(ProtoMapping.toProto(r.expireTime()));
    }
    if (r.decidedBy() != null) {
      b.setDecidedBy(r.decidedBy());
    }
    if (r.decisionReason() != null) {
      b.setDecisionReason(r.decisionReason());
    }
    if (r.decideTime() != null) {
      b.setDecideTime(ProtoMapping.toProto(r.decideTime()));
    }
    return b.build();
  }

  private static final String OFFSET_TOKEN_PREFIX = "offset:";

  static String encodeOffsetToken(int offset) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((OFFSET_TOKEN_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
  }

  static int decodeOffsetToken(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (decoded.startsWith(OFFSET_TOKEN_PREFIX)) {
        int offset = Integer.parseInt(decoded.substring(OFFSET_TOKEN_PREFIX.length()));
        if (offset >= 0) {
          return offset;
        }
      }
    } catch (IllegalArgumentException e) {
      // fall through: one message whatever the kind of forgery
    }
    throw InputRules.invalid("page_token is not a token this server issued");
  }

  // ---- later issues: rollouts, audit ----

  @Override
  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> rollouts.start(in, caller.name())
        .thenApply(v -> StartRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<GetRolloutResponse> getRollout(GetRolloutRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.VIEWER, () -> rollouts.get(in.getRolloutId())
        .thenApply(v -> GetRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<ListRolloutsResponse> listRollouts(ListRolloutsRequest in, Metadata m) {
    return guarded(m, AdminTokens.Role.VIEWER, () -> rollouts.list(in.getPolicyName())
        .thenApply(all -> ListRolloutsResponse.newBuilder()
            .addAllRollouts(all.stream().map(RolloutAdmin::toProto).toList()).build()));
  }

  @Override
  public CompletionStage<PauseRolloutResponse> pauseRollout(PauseRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> rollouts.decide(in.getRolloutId(), "pause",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Pause(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> PauseRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<ResumeRolloutResponse> resumeRollout(ResumeRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> rollouts.decide(in.getRolloutId(), "resume",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Resume(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> ResumeRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<AbortRolloutResponse> abortRollout(AbortRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> rollouts.decide(in.getRolloutId(), "abort",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Abort(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> AbortRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<RollbackRolloutResponse> rollbackRollout(
      RollbackRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Role.OPERATOR, caller -> rollouts.decide(in.getRolloutId(), "roll back",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Rollback(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> RollbackRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<ListAuditEventsResponse> listAuditEvents(
      ListAuditEventsRequest in, Metadata m) {
    return unimplemented("ListAuditEvents");
  }
}
