package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.readside.AuditStore;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.controller.readside.ExemptionStore;

import io.fleetcontrol.controller.admin.EnrollmentTokenAdmin;
import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.readside.AuditEntries;
import io.fleetcontrol.controller.readside.AuditTrail;
import io.fleetcontrol.controller.readside.DeviceFilter;
import io.fleetcontrol.controller.readside.ExemptionPages;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.rollout.RolloutAdmin;
import io.fleetcontrol.controller.security.AdminTokens;

import io.fleetcontrol.wire.PolicyWire;
import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.device.ExemptionRecord;
import io.fleetcontrol.proto.v1.*;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Admins' edge. Fleet-wide answers come from the read side: this node's {@link FleetView} of the
 * device directory, the exemptions table and the {@link AuditTrail}, never from asking every
 * entity; one device's detail asks its entity and adds its history from the audit trail.
 */
public final class AdminServiceImpl implements AdminServicePowerApi {

  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;
  /** GetDevice shows this many of the device's latest audit entries. */
  static final int HISTORY_LENGTH = 200;
  /** The longest an approved exemption runs; longer needs a new approval. */
  static final java.time.Duration MAX_EXEMPTION = java.time.Duration.ofDays(365);

  private final ActorSystem<?> system;
  private final AdminTokens adminTokens;
  private final DeviceStore directory;
  private final FleetView fleet;
  private final AuditStore audit;
  private final PageTokens pageTokens;
  private final Duration askTimeout;
  private final Clock clock;
  private final PolicyAdmin policies;
  private final RolloutAdmin rollouts;
  private final EnrollmentTokenAdmin enrollmentTokens;
  private final ExemptionPages exemptionPages;
  /** Calls naming a device ask its entity only once the read side knows the device. */
  private final KnownDevices knownDevices;

  public AdminServiceImpl(
      ActorSystem<?> system,
      AdminTokens adminTokens,
      DeviceStore directory,
      ExemptionStore exemptions,
      FleetView fleet,
      AuditStore audit,
      PageTokens pageTokens,
      EnrollmentTokenAdmin enrollmentTokens,
      KnownDevices knownDevices,
      Duration askTimeout,
      Clock clock) {
    this.system = system;
    this.adminTokens = adminTokens;
    this.directory = directory;
    this.fleet = fleet;
    this.audit = audit;
    this.pageTokens = pageTokens;
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.knownDevices = knownDevices;
    this.policies = new PolicyAdmin(system, directory, knownDevices, askTimeout);
    this.rollouts = new RolloutAdmin(system, policies, askTimeout);
    this.enrollmentTokens = enrollmentTokens;
    this.exemptionPages = new ExemptionPages(exemptions);
  }

  // ---- fleet ----

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(
      GetFleetSummaryRequest in, Metadata metadata) {
    return guarded(metadata, AdminTokens.Permission.READ, () -> fleetLoaded().thenApply(ready -> {
      // Dashboards poll the summary; counting 100,000 rows once per change and second is enough.
      Instant now = clock.instant();
      CachedSummary cached = lastSummary;
      if (cached != null && cached.changes() == fleet.changes()
          && Duration.between(cached.at(), now).compareTo(SUMMARY_REUSE) < 0) {
        return cached.summary();
      }
      long changes = fleet.changes();
      var counts = new FleetCounts();
      fleet.all().forEach(counts::add);
      GetFleetSummaryResponse summary = counts.toProto();
      lastSummary = new CachedSummary(changes, now, summary);
      return summary;
    }));
  }

  /** A summary and the fleet view it counted; connection states age, so it is reused briefly only. */
  private record CachedSummary(long changes, Instant at, GetFleetSummaryResponse summary) {}

  private static final Duration SUMMARY_REUSE = Duration.ofSeconds(1);
  private volatile CachedSummary lastSummary;

  /** Counts by each dimension, built in one pass over the fleet view. */
  private static final class FleetCounts {
    private final GetFleetSummaryResponse.Builder out = GetFleetSummaryResponse.newBuilder();
    private final Map<String, Long> byCapture = new HashMap<>();
    private final Map<String, Long> byVersion = new HashMap<>();
    private final Map<String, Long> byJurisdiction = new HashMap<>();
    private final Map<String, Long> byLabel = new HashMap<>();

    void add(FleetView.Row row) {
      out.setTotal(out.getTotal() + 1);
      switch (row.connection()) {
        case ONLINE -> out.setOnline(out.getOnline() + 1);
        case STALE -> out.setStale(out.getStale() + 1);
        case OFFLINE -> out.setOffline(out.getOffline() + 1);
      }
      if (row.captureState() != null) {
        byCapture.merge(ProtoMapping.toProto(row.captureState()).name(), 1L, Long::sum);
      }
      var entry = row.entry();
      byVersion.merge(Long.toString(entry.appliedPolicyVersion()), 1L, Long::sum);
      if (entry.jurisdiction() != null) {
        byJurisdiction.merge(entry.jurisdiction(), 1L, Long::sum);
      }
      if (entry.labels() != null) {
        entry.labels().forEach((k, v) -> byLabel.merge(k + "=" + v, 1L, Long::sum));
      }
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
    return guarded(metadata, AdminTokens.Permission.READ, () -> {
      int pageSize = pageSize(in.getPageSize());
      Predicate<FleetView.Row> filter = DeviceFilter.from(in);
      String filters = PageTokens.filtersOf(in);
      String after = pageTokens.cursor(in.getPageToken(), "devices", filters);
      return fleetLoaded().thenApply(ready -> {
        FleetView.Page page = fleet.page(filter, after, pageSize);
        var out = ListDevicesResponse.newBuilder().setTotalSize(page.totalMatching());
        page.rows().forEach(row -> out.addDevices(ProtoMapping.toProto(row)));
        if (page.lastDeviceId() != null) {
          out.setNextPageToken(pageTokens.issue("devices", filters, page.lastDeviceId()));
        }
        return out.build();
      });
    });
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata metadata) {
    return guardedAs(metadata, AdminTokens.Permission.READ, caller -> {
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      CompletionStage<DeviceSummary> summary = knownDevices.require(deviceId).thenCompose(known -> ClusterSharding
          .get(system)
          .entityRefFor(DeviceEntity.ENTITY_KEY, deviceId)
          .<DeviceSummary>askWithStatus(DeviceEntity.GetSummary::new, askTimeout));
      return summary.thenCombine(audit.history(deviceId, HISTORY_LENGTH), (found, history) -> {
            ConnectionState connection = ConnectionState.of(found.lastSeen(), clock.instant(),
                fleet.staleAfter(), fleet.offlineAfter());
            Device device = ProtoMapping.toProto(found, connection);
            if (!caller.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT)) {
              var redacted = device.toBuilder().clearExemptions();
              device.getExemptionsList().forEach(e -> redacted.addExemptions(withoutEmployeeText(e)));
              device = redacted.build();
            }
            return GetDeviceResponse.newBuilder()
                .setDevice(device)
                .addAllHistory(history.stream().map(AdminServiceImpl::toProto).toList())
                .build();
          })
          .exceptionally(failure -> {
            throw GrpcErrors.notFoundOr("get device " + deviceId, failure);
          });
    });
  }

  @Override
  public CompletionStage<ListAuditEventsResponse> listAuditEvents(ListAuditEventsRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.READ, () -> {
      int pageSize = pageSize(in.getPageSize());
      String device = in.getDeviceId().isEmpty() ? null : InputRules.deviceId("device_id", in.getDeviceId());
      String action = in.getAction().isEmpty() ? null : auditAction(in.getAction());
      String filters = PageTokens.filtersOf(in);
      String cursor = pageTokens.cursor(in.getPageToken(), "audit", filters);
      AuditStore.Cursor after = cursor == null ? null : AuditStore.Cursor.decode(cursor);
      return audit.list(device, action, after, pageSize).thenApply(listing -> {
        var out = ListAuditEventsResponse.newBuilder()
            .addAllEvents(listing.entries().stream().map(AdminServiceImpl::toProto).toList());
        if (listing.next() != null) {
          out.setNextPageToken(pageTokens.issue("audit", filters, listing.next().encode()));
        }
        return out.build();
      });
    });
  }

  /** Actions are dotted lower-case words, e.g. "pause.started"; anything else cannot match. */
  private static String auditAction(String action) {
    if (action.length() > 64 || !action.matches("[a-z_]+(\\.[a-z_]+)*")) {
      throw InputRules.invalid("action " + InputRules.describe(action)
          + " is not an audit action; actions look like \"pause.started\" or \"exemption.approved\"");
    }
    return action;
  }

  private static AuditEvent toProto(AuditEntries.AuditEntry e) {
    return AuditEvent.newBuilder()
        .setEventTime(ProtoMapping.toProto(e.time()))
        .setActor(e.actor())
        .setAction(e.action())
        .setDeviceId(e.deviceId())
        .setDetail(e.detail() == null ? "" : e.detail())
        .build();
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

  /** As {@link #guarded}, for calls that record who made the change. */
  private <T> CompletionStage<T> guardedAs(
      Metadata metadata, AdminTokens.Permission needed, java.util.function.Function<AdminTokens.Caller, CompletionStage<T>> call) {
    try {
      return call.apply(adminTokens.require(metadata, needed));
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Checks the admin token and runs the call; synchronous validation failures become statuses. */
  private <T> CompletionStage<T> guarded(
      Metadata metadata, AdminTokens.Permission needed, Supplier<CompletionStage<T>> call) {
    try {
      adminTokens.require(metadata, needed);
      return call.get();
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Fleet queries wait for the first load of the fleet view, but not for ever. */
  private CompletionStage<Void> fleetLoaded() {
    return fleet.loaded().toCompletableFuture().copy()
        .orTimeout(askTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          throw new GrpcServiceException(Status.UNAVAILABLE.withDescription(
              "the fleet view is still loading from the read side; try again in a moment"));
        });
  }

  // ---- policies ----

  @Override
  public CompletionStage<CreatePolicyResponse> createPolicy(CreatePolicyRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> policies.create(in.getPolicy(), caller.name())
        .thenApply(p -> CreatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<UpdatePolicyResponse> updatePolicy(UpdatePolicyRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> policies.update(in.getPolicy(), caller.name())
        .thenApply(p -> UpdatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<GetPolicyResponse> getPolicy(GetPolicyRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.READ, () -> policies.get(in.getName(), in.getVersion())
        .thenApply(p -> GetPolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build()));
  }

  @Override
  public CompletionStage<ListPoliciesResponse> listPolicies(ListPoliciesRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.READ, () -> {
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
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> policies.assign(in, caller.name()));
  }

  // ---- exemptions ----

  @Override
  public CompletionStage<ListExemptionsResponse> listExemptions(ListExemptionsRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.READ, caller -> {
      boolean employeeText = caller.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT);
      int pageSize = pageSize(in.getPageSize());
      if (in.getStatus() == ExemptionStatus.UNRECOGNIZED) {
        throw InputRules.invalid("status " + in.getStatusValue() + " is not an exemption status");
      }
      String status = in.getStatusValue() == 0 ? null : in.getStatus().name().substring("EXEMPTION_STATUS_".length());
      String device = in.getDeviceId().isEmpty() ? null : InputRules.deviceId("device_id", in.getDeviceId());
      String filters = PageTokens.filtersOf(in);
      String cursor = pageTokens.cursor(in.getPageToken(), "exemptions", filters);
      ExemptionPages.Cursor from = cursor == null ? null : ExemptionPages.Cursor.decode(cursor);
      // Oldest request first: the queue an approver works through.
      CompletionStage<ExemptionPages.Page> page = device != null
          ? exemptionPages.pageOfDevice(device, status, from, pageSize)
          : exemptionPages.page(status == null ? ExemptionStore.EXEMPTION_STATUSES : List.of(status), from, pageSize);
      return page.thenApply(found -> {
        var out = ListExemptionsResponse.newBuilder();
        found.rows().stream()
            .map(AdminServiceImpl::toProto)
            .forEach(e -> out.addExemptions(employeeText ? e : withoutEmployeeText(e)));
        if (found.next() != null) {
          out.setNextPageToken(pageTokens.issue("exemptions", filters, found.next().encode()));
        }
        return out.build();
      });
    });
  }

  /** What an employee wrote is for approvers; viewers and operators see that there is a request, not its words. */
  private static Exemption withoutEmployeeText(Exemption e) {
    return e.toBuilder().clearComment().build();
  }

  @Override
  public CompletionStage<ApproveExemptionResponse> approveExemption(ApproveExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.DECIDE_EXEMPTIONS, caller -> {
      if (!in.hasExpireTime()) {
        throw InputRules.invalid("expire_time is required: every approval ends by itself");
      }
      // Pekko's timers and common sense both end here: a longer exemption is approved again next year.
      Instant expiry = InputRules.timeAhead("expire_time", in.getExpireTime(), clock.instant(), MAX_EXEMPTION, "one year");
      return exemption(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
              new DeviceEntity.ApproveExemption(id, expiry, caller.name(), replyTo))
          .thenApply(e -> ApproveExemptionResponse.newBuilder().setExemption(e).build());
    });
  }

  @Override
  public CompletionStage<DenyExemptionResponse> denyExemption(DenyExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.DECIDE_EXEMPTIONS, caller -> {
      if (in.getReason().isBlank()) {
        throw InputRules.invalid("reason is required: the employee is told why");
      }
      String reason = InputRules.reason(in.getReason());
      return exemption(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
              new DeviceEntity.DenyExemption(id, reason, caller.name(), replyTo))
          .thenApply(e -> DenyExemptionResponse.newBuilder().setExemption(e).build());
    });
  }

  @Override
  public CompletionStage<RevokeExemptionResponse> revokeExemption(RevokeExemptionRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.DECIDE_EXEMPTIONS, caller -> {
      String reason = InputRules.reason(in.getReason());
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
    return knownDevices.require(deviceId)
        .thenCompose(known -> ClusterSharding.get(system)
            .entityRefFor(DeviceEntity.ENTITY_KEY, deviceId)
            .<ExemptionRecord>askWithStatus(replyTo -> command.apply(exemptionId, replyTo), askTimeout))
        .handle((record, failure) -> {
          if (failure != null) {
            throw GrpcErrors.notFoundOr("exemption " + exemptionId + " of " + deviceId, failure);
          }
          return ProtoMapping.toProto(deviceId, record);
        });
  }

  private static Exemption toProto(ExemptionStore.ExemptionRow r) {
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

  // ---- rollouts ----


  @Override
  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> rollouts.start(in, caller.name())
        .thenApply(v -> StartRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<GetRolloutResponse> getRollout(GetRolloutRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.READ, () -> rollouts.get(in.getRolloutId())
        .thenApply(v -> GetRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<ListRolloutsResponse> listRollouts(ListRolloutsRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.READ, () -> rollouts.list(in.getPolicyName())
        .thenApply(all -> ListRolloutsResponse.newBuilder()
            .addAllRollouts(all.stream().map(RolloutAdmin::toProto).toList()).build()));
  }

  @Override
  public CompletionStage<PauseRolloutResponse> pauseRollout(PauseRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> rollouts.decide(in.getRolloutId(), "pause",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Pause(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> PauseRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<ResumeRolloutResponse> resumeRollout(ResumeRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> rollouts.decide(in.getRolloutId(), "resume",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Resume(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> ResumeRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<AbortRolloutResponse> abortRollout(AbortRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> rollouts.decide(in.getRolloutId(), "abort",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Abort(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> AbortRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  @Override
  public CompletionStage<RollbackRolloutResponse> rollbackRollout(
      RollbackRolloutRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_POLICIES, caller -> rollouts.decide(in.getRolloutId(), "roll back",
            r -> new io.fleetcontrol.rollout.PolicyRollouts.Rollback(in.getRolloutId(), caller.name(), r))
        .thenApply(v -> RollbackRolloutResponse.newBuilder().setRollout(RolloutAdmin.toProto(v)).build()));
  }

  // ---- devices and enrollment tokens ----

  @Override
  public CompletionStage<ResetDeviceResponse> resetDevice(ResetDeviceRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_IDENTITIES, caller -> {
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      String reason = InputRules.reason(in.getReason());
      return deviceDecision(deviceId, "reset", replyTo -> new DeviceEntity.ResetDevice(caller.name(), reason, replyTo))
          .thenApply(summary -> ResetDeviceResponse.newBuilder().setDeviceId(deviceId).build());
    });
  }

  @Override
  public CompletionStage<RevokeDeviceResponse> revokeDevice(RevokeDeviceRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_IDENTITIES, caller -> {
      String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
      String reason = InputRules.reason(in.getReason());
      return deviceDecision(deviceId, "revoke", replyTo -> new DeviceEntity.RevokeDevice(caller.name(), reason, replyTo))
          .thenApply(summary -> RevokeDeviceResponse.newBuilder().setDeviceId(deviceId).build());
    });
  }

  private CompletionStage<DeviceSummary> deviceDecision(String deviceId, String what,
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<org.apache.pekko.pattern.StatusReply<DeviceSummary>>, DeviceEntity.Command> command) {
    return knownDevices.require(deviceId)
        .thenCompose(known -> ClusterSharding.get(system)
            .entityRefFor(DeviceEntity.ENTITY_KEY, deviceId)
            .<DeviceSummary>askWithStatus(command::apply, askTimeout))
        .exceptionally(failure -> {
          throw GrpcErrors.notFoundOr(what + " " + deviceId, failure);
        });
  }

  @Override
  public CompletionStage<CreateEnrollmentTokenResponse> createEnrollmentToken(CreateEnrollmentTokenRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_IDENTITIES, caller -> enrollmentTokens.create(in, caller.name()));
  }

  @Override
  public CompletionStage<ListEnrollmentTokensResponse> listEnrollmentTokens(ListEnrollmentTokensRequest in, Metadata m) {
    return guarded(m, AdminTokens.Permission.MANAGE_IDENTITIES, () -> {
      pageSize(in.getPageSize());
      if (!in.getPageToken().isEmpty()) {
        throw InputRules.invalid("page_token is not a token this server issued");
      }
      return enrollmentTokens.list()
          .thenApply(all -> ListEnrollmentTokensResponse.newBuilder().addAllEnrollmentTokens(all).build());
    });
  }

  @Override
  public CompletionStage<RevokeEnrollmentTokenResponse> revokeEnrollmentToken(RevokeEnrollmentTokenRequest in, Metadata m) {
    return guardedAs(m, AdminTokens.Permission.MANAGE_IDENTITIES, caller -> enrollmentTokens.revoke(in.getTokenId(), caller.name())
        .thenApply(token -> RevokeEnrollmentTokenResponse.newBuilder().setEnrollmentToken(token).build()));
  }
}
