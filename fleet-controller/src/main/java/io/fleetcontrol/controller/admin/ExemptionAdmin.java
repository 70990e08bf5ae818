package io.fleetcontrol.controller.admin;

import io.fleetcontrol.wire.ExemptionWire;
import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.readside.ExemptionPages;
import io.fleetcontrol.controller.readside.ExemptionStore;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.ApproveExemptionResponse;
import io.fleetcontrol.proto.v1.DenyExemptionRequest;
import io.fleetcontrol.proto.v1.DenyExemptionResponse;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionReason;
import io.fleetcontrol.proto.v1.ExemptionScope;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.fleetcontrol.proto.v1.ListExemptionsResponse;
import io.fleetcontrol.proto.v1.RevokeExemptionRequest;
import io.fleetcontrol.proto.v1.RevokeExemptionResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Exemptions behind the admin API: the approvers' queue from the read side (oldest request first),
 * and decisions sent to the device's entity, which checks them against the exemption's state.
 */
public final class ExemptionAdmin {

  /** The longest an approved exemption runs; longer needs a new approval. */
  static final Duration MAX_EXEMPTION = Duration.ofDays(365);

  private final EntityRefs devices;
  private final KnownDevices knownDevices;
  private final ExemptionPages pages;
  private final PageTokens pageTokens;
  private final Duration askTimeout;
  private final Clock clock;

  public ExemptionAdmin(EntityRefs devices, KnownDevices knownDevices, ExemptionStore exemptions,
      PageTokens pageTokens, Duration askTimeout, Clock clock) {
    this.devices = devices;
    this.knownDevices = knownDevices;
    this.pages = new ExemptionPages(exemptions);
    this.pageTokens = pageTokens;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /** Employees' words (the comment) only for callers who may read them. */
  public CompletionStage<ListExemptionsResponse> list(ListExemptionsRequest in, AdminTokens.Caller caller) {
    boolean employeeText = caller.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT);
    int pageSize = PageTokens.pageSize(in.getPageSize());
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
        ? pages.pageOfDevice(device, status, from, pageSize)
        : pages.page(status == null ? ExemptionStore.EXEMPTION_STATUSES : List.of(status), from, pageSize);
    return page.thenApply(found -> {
      var out = ListExemptionsResponse.newBuilder();
      found.rows().stream()
          .map(ExemptionAdmin::toProto)
          .forEach(e -> out.addExemptions(employeeText ? e : withoutEmployeeText(e)));
      if (found.next() != null) {
        out.setNextPageToken(pageTokens.issue("exemptions", filters, found.next().encode()));
      }
      return out.build();
    });
  }

  /** What an employee wrote is for approvers; viewers and operators see that there is a request, not its words. */
  static Exemption withoutEmployeeText(Exemption e) {
    return e.toBuilder().clearComment().build();
  }

  public CompletionStage<ApproveExemptionResponse> approve(ApproveExemptionRequest in, String by) {
    if (!in.hasExpireTime()) {
      throw InputRules.invalid("expire_time is required: every approval ends by itself");
    }
    // Pekko's timers and common sense both end here: a longer exemption is approved again next year.
    Instant expiry = InputRules.timeAhead("expire_time", in.getExpireTime(), clock.instant(), MAX_EXEMPTION, "one year");
    return decide(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
            new DeviceCommand.ApproveExemption(id, expiry, by, replyTo))
        .thenApply(e -> ApproveExemptionResponse.newBuilder().setExemption(e).build());
  }

  public CompletionStage<DenyExemptionResponse> deny(DenyExemptionRequest in, String by) {
    if (in.getReason().isBlank()) {
      throw InputRules.invalid("reason is required: the employee is told why");
    }
    String reason = InputRules.reason(in.getReason());
    return decide(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
            new DeviceCommand.DenyExemption(id, reason, by, replyTo))
        .thenApply(e -> DenyExemptionResponse.newBuilder().setExemption(e).build());
  }

  public CompletionStage<RevokeExemptionResponse> revoke(RevokeExemptionRequest in, String by) {
    String reason = InputRules.reason(in.getReason());
    return decide(in.getDeviceId(), in.getExemptionId(), (id, replyTo) ->
            new DeviceCommand.RevokeExemption(id, reason, by, replyTo))
        .thenApply(e -> RevokeExemptionResponse.newBuilder().setExemption(e).build());
  }

  /** Sends a decision to the device's entity and maps its answer and refusals. */
  private CompletionStage<Exemption> decide(String deviceIdIn, String exemptionId,
      BiFunction<String, ActorRef<StatusReply<ExemptionRecord>>, DeviceCommand> command) {
    String deviceId = InputRules.deviceId("device_id", deviceIdIn);
    if (exemptionId.isEmpty() || exemptionId.length() > 64) {
      throw InputRules.invalid("exemption_id is required (at most 64 characters)");
    }
    return knownDevices.require(deviceId)
        .thenCompose(known -> devices.device(deviceId)
            .<ExemptionRecord>askWithStatus(replyTo -> command.apply(exemptionId, replyTo), askTimeout))
        .handle((record, failure) -> {
          if (failure != null) {
            throw GrpcErrors.fromAsk("exemption " + exemptionId + " of " + deviceId, failure);
          }
          return ExemptionWire.toProto(deviceId, record);
        });
  }

  static Exemption toProto(ExemptionStore.ExemptionRow r) {
    return ExemptionWire.toProto(r.deviceId(), r.toRecord());
  }
}
