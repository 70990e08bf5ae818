package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the audit trail says about a journaled event: who, what, when, in plain words. Pure, so the
 * wording is tested without Cassandra. Events that are not decisions (upload roll-ups, a rollout's
 * internal progress) give nothing.
 */
public final class AuditEntries {

  /** {@code eventId} is the event's persistence id and sequence number: writing it twice is harmless. */
  public record AuditEntry(Instant time, String eventId, String actor, String action, String deviceId, String detail) {}

  static final String SYSTEM = "system";

  private AuditEntries() {}

  static String eventId(String persistenceId, long sequenceNr) {
    return persistenceId + "#" + sequenceNr;
  }

  static String deviceActor(String deviceId) {
    return "device:" + deviceId;
  }

  /**
   * A device event's entries: one, or none for a roll-up. An enrollment that carried the initial
   * policy gives two, the enrollment and the assignment by the system, as when they were two events;
   * the assignment's id is the event's with {@code /policy}, so it sorts after the enrollment.
   */
  static List<AuditEntry> of(String eventId, DeviceEvent event) {
    List<AuditEntry> entries = new ArrayList<>(2);
    entryFor(eventId, event).ifPresent(entries::add);
    if (event instanceof DeviceEvent.DeviceEnrolled e && e.initialPolicy() != null) {
      assigned(e.enrollTime(), eventId + "/policy", SYSTEM, e.deviceId(), e.initialPolicy()).ifPresent(entries::add);
    }
    return entries;
  }

  private static Optional<AuditEntry> entryFor(String eventId, DeviceEvent event) {
    if (event instanceof DeviceEvent.DeviceEnrolled e) {
      return entry(e.enrollTime(), eventId, deviceActor(e.deviceId()), "device.enrolled", e.deviceId(),
          "owner " + e.identity().owner() + ", in " + e.identity().jurisdiction() + ", agent "
              + e.identity().agentVersion() + withToken(e.tokenId()));
    } else if (event instanceof DeviceEvent.DeviceReenrolled e) {
      return entry(e.reenrollTime(), eventId, deviceActor(e.deviceId()), "device.reenrolled", e.deviceId(),
          (e.tokenId() == null ? "a new credential (a re-key with the current one)" : "enrolled again after a reset")
              + ", agent " + e.identity().agentVersion() + withToken(e.tokenId()));
    } else if (event instanceof DeviceEvent.DeviceReset e) {
      return entry(e.resetTime(), eventId, e.by(), "device.reset", e.deviceId(),
          "may enroll again; the old credential is refused" + because(e.reason()));
    } else if (event instanceof DeviceEvent.DeviceRevoked e) {
      return entry(e.revokeTime(), eventId, e.by(), "device.revoked", e.deviceId(),
          "stream closed; credential and enrollments refused until a reset" + because(e.reason()));
    } else if (event instanceof DeviceEvent.PolicyAssigned e) {
      return assigned(e.assignTime(), eventId, e.assignedBy(), e.deviceId(), e.policy());
    } else if (event instanceof DeviceEvent.PolicyApplied e) {
      return entry(e.applyTime(), eventId, deviceActor(e.deviceId()), "policy.applied", e.deviceId(),
          "the agent applied v" + e.version());
    } else if (event instanceof DeviceEvent.NoticeAcknowledged e) {
      return entry(e.acknowledgeTime(), eventId, deviceActor(e.deviceId()), "notice.acknowledged", e.deviceId(),
          "the employee acknowledged the notice of v" + e.version());
    } else if (event instanceof DeviceEvent.PauseStarted e) {
      return entry(e.start(), eventId, deviceActor(e.deviceId()), "pause.started", e.deviceId(),
          "the employee paused capture for " + minutes(Duration.between(e.start(), e.end())) + ", until " + e.end());
    } else if (event instanceof DeviceEvent.PauseEnded e) {
      return e.byEmployee()
          ? entry(e.endTime(), eventId, deviceActor(e.deviceId()), "pause.resumed", e.deviceId(),
              "the employee resumed capture")
          : entry(e.endTime(), eventId, SYSTEM, "pause.ended", e.deviceId(), "the pause ran out");
    } else if (event instanceof DeviceEvent.ExemptionRequested e) {
      return entry(e.requestTime(), eventId, deviceActor(e.deviceId()), "exemption.requested", e.deviceId(),
          // The employee's comment is free text only approvers read (ListExemptions), never the trail.
          e.exemptionId() + ": " + e.scope() + " for " + e.reason());
    } else if (event instanceof DeviceEvent.ExemptionApproved e) {
      return entry(e.decideTime(), eventId, e.approver(), "exemption.approved", e.deviceId(),
          e.exemptionId() + " until " + e.expireTime());
    } else if (event instanceof DeviceEvent.ExemptionDenied e) {
      return entry(e.decideTime(), eventId, e.approver(), "exemption.denied", e.deviceId(),
          e.exemptionId() + ": " + e.reason());
    } else if (event instanceof DeviceEvent.ExemptionRevoked e) {
      return entry(e.revokeTime(), eventId, e.revokedBy(), "exemption.revoked", e.deviceId(),
          e.exemptionId() + (e.reason() == null || e.reason().isBlank() ? "" : ": " + e.reason()));
    } else if (event instanceof DeviceEvent.ExemptionExpired e) {
      return entry(e.expireTime(), eventId, SYSTEM, "exemption.expired", e.deviceId(), e.exemptionId() + " ran out");
    }
    return Optional.empty(); // upload roll-ups are counters, not decisions
  }

  private static Optional<AuditEntry> assigned(Instant time, String eventId, String by, String deviceId,
      io.fleetcontrol.policy.Policy policy) {
    return entry(time, eventId, by, "policy.assigned", deviceId, policy.name() + " v" + policy.version());
  }

  static Optional<AuditEntry> of(String eventId, PolicyCatalog.Event event) {
    if (event instanceof PolicyCatalog.PolicyVersionCreated e) {
      long version = e.policy().version();
      return entry(e.createTime(), eventId, e.author(), version == 1 ? "policy.created" : "policy.updated", "",
          e.policy().name() + " v" + version);
    }
    return Optional.empty();
  }

  static Optional<AuditEntry> of(String eventId, PolicyRollouts.Event event) {
    if (event instanceof PolicyRollouts.RolloutStarted e) {
      var spec = e.rollout().spec();
      return entry(e.rollout().createTime(), eventId, e.rollout().startedBy(), "rollout.started", "",
          e.rolloutId() + ": " + spec.policyName() + " v" + spec.policyVersion() + " to " + selector(spec.selector())
              + " in waves " + spec.wavePercents().stream().map(AuditEntries::percent)
                  .collect(Collectors.joining(", ")));
    } else if (event instanceof PolicyRollouts.WaveCompleted e) {
      return entry(e.at(), eventId, SYSTEM, "rollout.wave_passed", "",
          e.rolloutId() + " wave " + (e.wave() + 1) + ": " + e.message());
    } else if (event instanceof PolicyRollouts.RolloutSucceeded e) {
      return entry(e.at(), eventId, SYSTEM, "rollout.succeeded", "", e.rolloutId());
    } else if (event instanceof PolicyRollouts.RolloutPaused e) {
      return entry(e.at(), eventId, orSystem(e.by()), "rollout.paused", "", e.rolloutId() + ": " + e.reason());
    } else if (event instanceof PolicyRollouts.RolloutResumed e) {
      return entry(e.at(), eventId, orSystem(e.by()), "rollout.resumed", "", e.rolloutId());
    } else if (event instanceof PolicyRollouts.RolloutAborted e) {
      return entry(e.at(), eventId, orSystem(e.by()), "rollout.aborted", "", e.rolloutId());
    } else if (event instanceof PolicyRollouts.RollbackStarted e) {
      return entry(e.at(), eventId, orSystem(e.by()), "rollout.rollback_started", "",
          e.rolloutId() + ": " + e.reason());
    } else if (event instanceof PolicyRollouts.RolledBack e) {
      return entry(e.at(), eventId, SYSTEM, "rollout.rolled_back", "",
          e.rolloutId() + ": " + e.devicesReverted() + " devices back on the previous version");
    }
    return Optional.empty();
  }

  static Optional<AuditEntry> of(String eventId, EnrollmentToken.Event event) {
    if (event instanceof EnrollmentToken.TokenCreated e) {
      var terms = e.terms();
      return entry(e.createTime(), eventId, e.createdBy(), "token.created", "",
          e.tokenId() + ": " + terms.maxUses() + " uses until " + terms.expireTime()
              + (terms.labels().isEmpty() ? "" : ", labels " + new java.util.TreeMap<>(terms.labels()))
              + (terms.jurisdiction() == null || terms.jurisdiction().isEmpty() ? "" : ", in " + terms.jurisdiction()));
    } else if (event instanceof EnrollmentToken.TokenRevoked e) {
      return entry(e.revokeTime(), eventId, e.revokedBy(), "token.revoked", "", e.tokenId());
    }
    return Optional.empty(); // spends show as device.enrolled
  }

  /** An enrollment the device entity refused: nothing was journaled, so the edge writes this itself. */
  static AuditEntry refusedEnrollment(Instant time, String deviceId, String peer, String tokenId,
      io.fleetcontrol.device.EnrollOutcome outcome) {
    String why = outcome instanceof io.fleetcontrol.device.EnrollOutcome.Revoked ? "the device is revoked"
        : outcome instanceof io.fleetcontrol.device.EnrollOutcome.Retired ? "this enrollment was reset by an admin"
        : "the device is enrolled already and the caller did not prove its identity";
    return new AuditEntry(time, "enrollment-refused#" + java.util.UUID.randomUUID(), "peer:" + peer,
        "enrollment.refused", deviceId, why + withToken(tokenId));
  }

  private static String withToken(String tokenId) {
    return tokenId == null ? "" : ", enrollment token " + tokenId;
  }

  private static String because(String reason) {
    return reason == null || reason.isBlank() ? "" : ": " + reason;
  }

  private static String selector(PolicyRollouts.Selector selector) {
    if (!selector.deviceIds().isEmpty()) {
      return selector.deviceIds().size() + " listed devices";
    }
    if (!selector.labels().isEmpty()) {
      return "devices labelled " + selector.labels().entrySet().stream().map(l -> l.getKey() + "=" + l.getValue())
          .sorted().collect(Collectors.joining(", "));
    }
    return "all devices";
  }

  private static String percent(double p) {
    return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + " %";
  }

  private static String minutes(Duration d) {
    return d.toMinutes() + " min";
  }

  private static String orSystem(String by) {
    return by == null || by.isBlank() ? SYSTEM : by;
  }

  private static Optional<AuditEntry> entry(
      Instant time, String eventId, String actor, String action, String deviceId, String detail) {
    return Optional.of(new AuditEntry(time, eventId, actor == null ? SYSTEM : actor, action, deviceId, detail));
  }
}
