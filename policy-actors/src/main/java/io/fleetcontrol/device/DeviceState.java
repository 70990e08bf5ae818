package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.PauseCheck;
import io.fleetcontrol.policy.PauseQuota;
import io.fleetcontrol.policy.PauseRules;
import io.fleetcontrol.policy.PauseWindow;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What a device entity knows from its journal, one part per concern; {@code enrollment == null}
 * until the device enrolls. Snapshotted: a change of shape needs a migration of the snapshots
 * ({@link DeviceStateMigration}); one that does not read is skipped and the events, all kept, replayed.
 */
public record DeviceState(
    Enrollment enrollment,
    Policies policies,
    Pause pause,
    Exemptions exemptions,
    UploadCounters uploads,
    TakenRequests taken)
    implements CborSerializable {

  static final DeviceState EMPTY = new DeviceState(null, Policies.NONE, Pause.NONE, Exemptions.NONE,
      UploadCounters.EMPTY, TakenRequests.NONE);

  /** Who the device is and whether its credential speaks for it. */
  public record Enrollment(DeviceIdentity identity, DeviceCredential credential, Instant enrollTime)
      implements CborSerializable {

    /** Journaled, so accepted: its strings are shared with the rest of the node ({@link DeviceIdentity#shared}). */
    public Enrollment {
      identity = identity == null ? null : identity.shared();
    }

    Enrollment with(DeviceCredential.Status status) {
      return new Enrollment(identity, credential.with(status), enrollTime);
    }
  }

  /**
   * The policy the device should run ({@code target}), the version it said it runs, the notice it
   * accepted, and the target before this one (where a rollback puts it back).
   */
  public record Policies(Policy target, PolicyVersion applied, PolicyVersion noticeAcknowledged, Policy previous)
      implements CborSerializable {

    static final Policies NONE = new Policies(null, PolicyVersion.NONE, PolicyVersion.NONE, null);

    /** Kept for the device's life: the names are shared with the rest of the node. */
    public Policies {
      applied = applied == null ? null : applied.shared();
      noticeAcknowledged = noticeAcknowledged == null ? null : noticeAcknowledged.shared();
    }

    PolicyVersion targetVersion() {
      return target == null ? PolicyVersion.NONE : target.policyVersion();
    }

    /** The policy the device runs: only known when it acked the target. */
    Policy appliedPolicy() {
      return target != null && applied.equals(target.policyVersion()) ? target : null;
    }

    PauseRules pauseRules() {
      return target == null ? PauseRules.DEFAULT : target.pause();
    }

    /** A new target; the one it replaces is kept so a rollout can put the device back on it. */
    Policies assigned(Policy next) {
      return new Policies(next, applied, noticeAcknowledged, target != null && !target.equals(next) ? target : previous);
    }

    Policies applied(PolicyVersion version) {
      return new Policies(target, version, noticeAcknowledged, previous);
    }

    Policies acknowledged(PolicyVersion version) {
      return new Policies(target, applied, version, previous);
    }

    /** A version from an event; events written before the name was kept meant the target then. */
    PolicyVersion named(String policyName, long version) {
      return new PolicyVersion(policyName != null ? policyName : targetVersion().policyName(), version);
    }
  }

  /** The pause under way ({@code end == null}: none) and today's count. */
  public record Pause(Instant start, Instant end, PauseQuota quota) implements CborSerializable {

    static final Pause NONE = new Pause(null, null, PauseQuota.EMPTY);

    boolean active() {
      return end != null;
    }

    Pause started(Instant from, Instant until, ZoneId zone) {
      return new Pause(from, until, quota.recordPause(from, zone));
    }

    Pause ended() {
      return new Pause(null, null, quota);
    }
  }

  /** Every exemption the device asked for, in the order asked. */
  public record Exemptions(List<ExemptionRecord> all) implements CborSerializable {

    static final Exemptions NONE = new Exemptions(List.of());

    public Exemptions {
      all = List.copyOf(all);
    }

    Optional<ExemptionRecord> find(String id) {
      return all.stream().filter(e -> e.exemptionId().equals(id)).findFirst();
    }

    /** A second request of a scope already asked for or in force is a duplicate. */
    Optional<Refusal> refuseRequest(ExemptionScope scope, Instant now) {
      boolean open = all.stream().anyMatch(e -> e.scope() == scope
          && (e.status() == ExemptionStatus.REQUESTED || e.inForceAt(now)));
      return open
          ? Optional.of(new Refusal.Conflict("an exemption of scope " + scope + " is already requested or in force"))
          : Optional.empty();
    }

    /**
     * The same approver already made this decision: the retry of one whose answer was lost (the
     * approver was told UNAVAILABLE, "retry"), answered as done rather than refused. The expiry and
     * the reason are not compared: a command such as {@code approve --until 12h} computes a new
     * expiry at every run, and the answer shows the one in force.
     */
    boolean alreadyDecided(String id, ExemptionStatus status, String by) {
      return find(id).filter(e -> e.status() == status && java.util.Objects.equals(e.decidedBy(), by)).isPresent();
    }

    /** Only a requested exemption can be approved or denied, once. */
    Optional<Refusal> refuseDecision(String deviceId, String id) {
      Optional<ExemptionRecord> exemption = find(id);
      if (exemption.isEmpty()) {
        return Optional.of(unknown(deviceId, id));
      }
      return exemption.get().status() == ExemptionStatus.REQUESTED ? Optional.empty() : Optional.of(new Refusal.Conflict(
          "exemption " + id + " was already decided (it is " + exemption.get().status() + ")"));
    }

    /** As {@link #refuseDecision}, and an expiry must be in the future (null: none). */
    Optional<Refusal> refuseApproval(String deviceId, String id, Instant expireTime, Instant now) {
      Optional<Refusal> undecidable = refuseDecision(deviceId, id);
      if (undecidable.isPresent() || expireTime == null || expireTime.isAfter(now)) {
        return undecidable;
      }
      return Optional.of(new Refusal.Conflict("the expiry " + expireTime + " is not in the future"));
    }

    /** When an approved exemption lapses; empty when it is not approved or has no end. */
    Optional<Instant> expiryOf(String id) {
      return find(id).filter(e -> e.status() == ExemptionStatus.APPROVED).map(ExemptionRecord::expireTime);
    }

    /** Only an exemption in force can be revoked. */
    Optional<Refusal> refuseRevocation(String deviceId, String id, Instant now) {
      Optional<ExemptionRecord> exemption = find(id);
      if (exemption.isEmpty()) {
        return Optional.of(unknown(deviceId, id));
      }
      return exemption.get().inForceAt(now) ? Optional.empty() : Optional.of(new Refusal.Conflict(
          "exemption " + id + " is not in force (it is " + exemption.get().status() + ")"));
    }

    private static Refusal unknown(String deviceId, String id) {
      return new Refusal.NotFound("device " + deviceId + " has no exemption " + id);
    }

    String nextId() {
      return "ex-" + (all.size() + 1);
    }

    /** The approved ones, as the decision sees them (it checks their expiry itself). */
    List<Exemption> approved() {
      return all.stream().filter(e -> e.status() == ExemptionStatus.APPROVED).map(ExemptionRecord::toExemption).toList();
    }

    Exemptions with(ExemptionRecord added) {
      List<ExemptionRecord> next = new ArrayList<>(all);
      next.add(added);
      return new Exemptions(next);
    }

    Exemptions changed(String id, UnaryOperator<ExemptionRecord> change) {
      return new Exemptions(all.stream().map(e -> e.exemptionId().equals(id) ? change.apply(e) : e).toList());
    }
  }

  /** An agent request the entity took; {@code exemptionId} is set when it created an exemption. */
  public record TakenRequest(String requestId, String exemptionId) implements CborSerializable {}

  /** The agent's latest request ids: far more than a dropped stream re-sends. */
  public record TakenRequests(List<TakenRequest> recent) implements CborSerializable {

    static final int REMEMBERED = 64;
    static final TakenRequests NONE = new TakenRequests(List.of());

    public TakenRequests {
      recent = List.copyOf(recent);
    }

    Optional<TakenRequest> find(String requestId) {
      if (requestId == null || requestId.isEmpty()) {
        return Optional.empty();
      }
      return recent.stream().filter(r -> r.requestId().equals(requestId)).findFirst();
    }

    TakenRequests with(String requestId, String exemptionId) {
      if (requestId == null || requestId.isEmpty()) {
        return this;
      }
      List<TakenRequest> next = new ArrayList<>(recent);
      next.add(new TakenRequest(requestId, exemptionId));
      return new TakenRequests(next.subList(Math.max(0, next.size() - REMEMBERED), next.size()));
    }
  }

  boolean isEnrolled() {
    return enrollment != null;
  }

  DeviceIdentity identity() {
    return enrollment.identity();
  }

  DeviceCredential credential() {
    return enrollment.credential();
  }

  ZoneId zone() {
    return ZoneId.of(enrollment.identity().timeZone());
  }

  boolean alreadyTaken(String requestId) {
    return taken.find(requestId).isPresent();
  }

  /** Whether a pause of {@code duration} asked at {@code requestTime} is refused; today is the day asked (offline pauses count then). */
  Optional<PauseCheck.Refusal> refusePause(Duration duration, Instant requestTime, Instant now) {
    PauseRules rules = policies.pauseRules();
    Instant asked = PauseWindow.askedStart(requestTime, now);
    return PauseCheck.check(rules, pause.quota().pausesLeft(rules, asked, zone()), pause.end(), duration);
  }

  /** The exemption a repeated request created, if it is one. */
  Optional<ExemptionRecord> createdBy(String requestId) {
    return taken.find(requestId).flatMap(t -> exemptions.find(t.exemptionId()));
  }

  DeviceState with(Enrollment next) {
    return new DeviceState(next, policies, pause, exemptions, uploads, taken);
  }

  DeviceState with(Policies next) {
    return new DeviceState(enrollment, next, pause, exemptions, uploads, taken);
  }

  DeviceState with(Pause next) {
    return new DeviceState(enrollment, policies, next, exemptions, uploads, taken);
  }

  DeviceState with(Exemptions next) {
    return new DeviceState(enrollment, policies, pause, next, uploads, taken);
  }

  DeviceState with(UploadCounters next) {
    return new DeviceState(enrollment, policies, pause, exemptions, next, taken);
  }

  DeviceState taking(String requestId, String exemptionId) {
    return new DeviceState(enrollment, policies, pause, exemptions, uploads, taken.with(requestId, exemptionId));
  }
}
