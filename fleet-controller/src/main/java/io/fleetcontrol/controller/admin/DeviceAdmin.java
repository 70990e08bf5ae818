package io.fleetcontrol.controller.admin;

import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.readside.AuditStore;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.ResetDeviceRequest;
import io.fleetcontrol.proto.v1.ResetDeviceResponse;
import io.fleetcontrol.proto.v1.RevokeDeviceRequest;
import io.fleetcontrol.proto.v1.RevokeDeviceResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * One device behind the admin API: its detail (its entity's summary with its latest audit
 * entries), and the identity decisions (reset, revoke). A device id the read side does not know
 * is NOT_FOUND before any entity is asked, so made-up ids start no entity.
 */
public final class DeviceAdmin {

  /** GetDevice shows this many of the device's latest audit entries. */
  static final int HISTORY_LENGTH = 200;

  private final EntityRefs devices;
  private final KnownDevices knownDevices;
  private final AuditStore audit;
  private final FleetView fleet;
  private final Duration askTimeout;
  private final Clock clock;

  public DeviceAdmin(EntityRefs devices, KnownDevices knownDevices, AuditStore audit, FleetView fleet,
      Duration askTimeout, Clock clock) {
    this.devices = devices;
    this.knownDevices = knownDevices;
    this.audit = audit;
    this.fleet = fleet;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /** Employees' words (exemption comments) only for callers who may read them. */
  public CompletionStage<GetDeviceResponse> get(GetDeviceRequest in, AdminTokens.Caller caller) {
    String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
    CompletionStage<DeviceSummary> summary = knownDevices.require(deviceId).thenCompose(known -> devices.device(deviceId)
        .<DeviceSummary>askWithStatus(DeviceCommand.GetSummary::new, askTimeout));
    return summary.thenCombine(audit.history(deviceId, HISTORY_LENGTH), (found, history) -> {
          ConnectionState connection = fleet.rules().state(found.lastSeen(), null, clock.instant());
          Device device = ProtoMapping.toProto(found, connection);
          if (!caller.may(AdminTokens.Permission.READ_EMPLOYEE_TEXT)) {
            var redacted = device.toBuilder().clearExemptions();
            device.getExemptionsList().forEach(e -> redacted.addExemptions(ExemptionAdmin.withoutEmployeeText(e)));
            device = redacted.build();
          }
          return GetDeviceResponse.newBuilder()
              .setDevice(device)
              .addAllHistory(history.stream().map(AuditAdmin::toProto).toList())
              .build();
        })
        .exceptionally(failure -> {
          throw GrpcErrors.fromAsk("get device " + deviceId, failure);
        });
  }

  public CompletionStage<ResetDeviceResponse> reset(ResetDeviceRequest in, String by) {
    String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
    String reason = InputRules.reason(in.getReason());
    return decide(deviceId, "reset", replyTo -> new DeviceCommand.ResetDevice(by, reason, replyTo))
        .thenApply(summary -> ResetDeviceResponse.newBuilder().setDeviceId(deviceId).build());
  }

  public CompletionStage<RevokeDeviceResponse> revoke(RevokeDeviceRequest in, String by) {
    String deviceId = InputRules.deviceId("device_id", in.getDeviceId());
    String reason = InputRules.reason(in.getReason());
    return decide(deviceId, "revoke", replyTo -> new DeviceCommand.RevokeDevice(by, reason, replyTo))
        .thenApply(summary -> RevokeDeviceResponse.newBuilder().setDeviceId(deviceId).build());
  }

  private CompletionStage<DeviceSummary> decide(String deviceId, String what,
      Function<ActorRef<StatusReply<DeviceSummary>>, DeviceCommand> command) {
    return knownDevices.require(deviceId)
        .thenCompose(known -> devices.device(deviceId).<DeviceSummary>askWithStatus(command::apply, askTimeout))
        .exceptionally(failure -> {
          throw GrpcErrors.fromAsk(what + " " + deviceId, failure);
        });
  }
}
