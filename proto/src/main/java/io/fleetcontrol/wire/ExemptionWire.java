package io.fleetcontrol.wire;

import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.proto.v1.Exemption;
import java.util.Optional;

/**
 * Exemptions to and from fleet.v1: the one mapping the controller (entity and read side) and the
 * agent (stream and cache) share. Unknown enum values map to empty, and each caller decides what
 * that means (a refusal at the controller's edge, an exemption skipped on the agent).
 */
public final class ExemptionWire {

  private ExemptionWire() {}

  public static Exemption toProto(String deviceId, ExemptionRecord e) {
    Exemption.Builder b = Exemption.newBuilder()
        .setExemptionId(e.exemptionId())
        .setDeviceId(deviceId == null ? "" : deviceId)
        .setScope(toProto(e.scope()))
        .setReason(toProto(e.reason()))
        .setComment(e.comment() == null ? "" : e.comment())
        .setStatus(toProto(e.status()))
        .setDecidedBy(e.decidedBy() == null ? "" : e.decidedBy())
        .setDecisionReason(e.decisionReason() == null ? "" : e.decisionReason());
    if (e.requestTime() != null) {
      b.setRequestTime(WireTime.toProto(e.requestTime()));
    }
    if (e.expireTime() != null) {
      b.setExpireTime(WireTime.toProto(e.expireTime()));
    }
    if (e.decideTime() != null) {
      b.setDecideTime(WireTime.toProto(e.decideTime()));
    }
    return b.build();
  }

  /** Empty for an exemption whose scope or status this side cannot read: better skipped than guessed. */
  public static Optional<ExemptionRecord> fromProto(Exemption e) {
    Optional<ExemptionScope> scope = fromProto(e.getScope());
    Optional<ExemptionStatus> status = fromProto(e.getStatus());
    if (scope.isEmpty() || status.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ExemptionRecord(
        e.getExemptionId(),
        scope.get(),
        fromProto(e.getReason()).orElse(ExemptionReason.OTHER),
        e.getComment(),
        status.get(),
        e.hasRequestTime() ? WireTime.fromProto(e.getRequestTime()) : null,
        e.hasExpireTime() ? WireTime.fromProto(e.getExpireTime()) : null,
        e.getDecidedBy(),
        e.getDecisionReason(),
        e.hasDecideTime() ? WireTime.fromProto(e.getDecideTime()) : null));
  }

  public static io.fleetcontrol.proto.v1.ExemptionScope toProto(ExemptionScope scope) {
    return switch (scope) {
      case FULL -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_FULL;
      case NO_SCREENSHOTS -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_SCREENSHOTS;
      case NO_KEYSTROKES -> io.fleetcontrol.proto.v1.ExemptionScope.EXEMPTION_SCOPE_NO_KEYSTROKES;
    };
  }

  public static Optional<ExemptionScope> fromProto(io.fleetcontrol.proto.v1.ExemptionScope scope) {
    return switch (scope) {
      case EXEMPTION_SCOPE_FULL -> Optional.of(ExemptionScope.FULL);
      case EXEMPTION_SCOPE_NO_SCREENSHOTS -> Optional.of(ExemptionScope.NO_SCREENSHOTS);
      case EXEMPTION_SCOPE_NO_KEYSTROKES -> Optional.of(ExemptionScope.NO_KEYSTROKES);
      case EXEMPTION_SCOPE_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  public static io.fleetcontrol.proto.v1.ExemptionReason toProto(ExemptionReason reason) {
    return switch (reason) {
      case BANDWIDTH -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BANDWIDTH;
      case SENSITIVE_WORK -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_SENSITIVE_WORK;
      case BATTERY -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_BATTERY;
      case OTHER -> io.fleetcontrol.proto.v1.ExemptionReason.EXEMPTION_REASON_OTHER;
    };
  }

  public static Optional<ExemptionReason> fromProto(io.fleetcontrol.proto.v1.ExemptionReason reason) {
    return switch (reason) {
      case EXEMPTION_REASON_BANDWIDTH -> Optional.of(ExemptionReason.BANDWIDTH);
      case EXEMPTION_REASON_SENSITIVE_WORK -> Optional.of(ExemptionReason.SENSITIVE_WORK);
      case EXEMPTION_REASON_BATTERY -> Optional.of(ExemptionReason.BATTERY);
      case EXEMPTION_REASON_OTHER -> Optional.of(ExemptionReason.OTHER);
      case EXEMPTION_REASON_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }

  public static io.fleetcontrol.proto.v1.ExemptionStatus toProto(ExemptionStatus status) {
    return switch (status) {
      case REQUESTED -> io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_REQUESTED;
      case APPROVED -> io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_APPROVED;
      case DENIED -> io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_DENIED;
      case REVOKED -> io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_REVOKED;
      case EXPIRED -> io.fleetcontrol.proto.v1.ExemptionStatus.EXEMPTION_STATUS_EXPIRED;
    };
  }

  public static Optional<ExemptionStatus> fromProto(io.fleetcontrol.proto.v1.ExemptionStatus status) {
    return switch (status) {
      case EXEMPTION_STATUS_REQUESTED -> Optional.of(ExemptionStatus.REQUESTED);
      case EXEMPTION_STATUS_APPROVED -> Optional.of(ExemptionStatus.APPROVED);
      case EXEMPTION_STATUS_DENIED -> Optional.of(ExemptionStatus.DENIED);
      case EXEMPTION_STATUS_REVOKED -> Optional.of(ExemptionStatus.REVOKED);
      case EXEMPTION_STATUS_EXPIRED -> Optional.of(ExemptionStatus.EXPIRED);
      case EXEMPTION_STATUS_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
    };
  }
}
