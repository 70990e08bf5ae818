package io.fleetcontrol.controller;

import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceSummary;
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

  // ---- later issues: policies, rollouts, exemptions, audit ----

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata m) {
    return unimplemented("CreatePolicy");
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata m) {
    return unimplemented("UpdatePolicy");
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata m) {
    return unimplemented("GetPolicy");
  }

  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata m) {
    return unimplemented("ListPolicies");
  }

  @Override
  public CompletionStage<AssignPolicyResponse> assignPolicy(AssignPolicyRequest in, Metadata m) {
    return unimplemented("AssignPolicy");
  }

  @Override
  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, Metadata m) {
    return unimplemented("StartRollout");
  }

  @Override
  public CompletionStage<GetRolloutResponse> getRollout(GetRolloutRequest in, Metadata m) {
    return unimplemented("GetRollout");
  }

  @Override
  public CompletionStage<ListRolloutsResponse> listRollouts(ListRolloutsRequest in, Metadata m) {
    return unimplemented("ListRollouts");
  }

  @Override
  public CompletionStage<PauseRolloutResponse> pauseRollout(PauseRolloutRequest in, Metadata m) {
    return unimplemented("PauseRollout");
  }

  @Override
  public CompletionStage<ResumeRolloutResponse> resumeRollout(ResumeRolloutRequest in, Metadata m) {
    return unimplemented("ResumeRollout");
  }

  @Override
  public CompletionStage<AbortRolloutResponse> abortRollout(AbortRolloutRequest in, Metadata m) {
    return unimplemented("AbortRollout");
  }

  @Override
  public CompletionStage<RollbackRolloutResponse> rollbackRollout(
      RollbackRolloutRequest in, Metadata m) {
    return unimplemented("RollbackRollout");
  }

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(
      ListExemptionsRequest in, Metadata m) {
    return unimplemented("ListExemptions");
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(
      ApproveExemptionRequest in, Metadata m) {
    return unimplemented("ApproveExemption");
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata m) {
    return unimplemented("DenyExemption");
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(
      RevokeExemptionRequest in, Metadata m) {
    return unimplemented("RevokeExemption");
  }

  @Override
  public CompletionStage<ListAuditEventsResponse> listAuditEvents(
      ListAuditEventsRequest in, Metadata m) {
    return unimplemented("ListAuditEvents");
  }
}
