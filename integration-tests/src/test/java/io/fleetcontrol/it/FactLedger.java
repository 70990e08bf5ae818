package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the controller acknowledged while a fault was on, written down the moment each answer came,
 * then compared with what the controller holds: the device entity and its audit trail, both as
 * GetDevice returns them. A fact the controller acknowledged must be there; a request it refused must
 * not; one never answered (the fault ate the answer) may be there or not, but never twice. The
 * employees' and approvers' requests are counted in the trail from the ledger's start on.
 */
final class FactLedger {

  /** The kinds of fact, each with the audit action that records it. */
  enum Kind {
    ENROLLED("device.enrolled"),
    PAUSED("pause.started"),
    RESUMED("pause.resumed"),
    EXEMPTION_REQUESTED("exemption.requested"),
    EXEMPTION_APPROVED("exemption.approved"),
    POLICY_ASSIGNED("policy.assigned"),
    POLICY_APPLIED("policy.applied");

    final String action;

    Kind(String action) {
      this.action = action;
    }
  }

  /** Per device and kind: requests acknowledged, and requests that may have been written (acknowledged or unanswered). */
  private static final class Counts {
    final EnumMap<Kind, Integer> acknowledged = new EnumMap<>(Kind.class);
    final EnumMap<Kind, Integer> mayExist = new EnumMap<>(Kind.class);
    final List<String> approvedExemptions = new ArrayList<>();
    final List<Long> assignedVersions = new ArrayList<>();
    final List<Long> appliedVersions = new ArrayList<>();
    /** What was asked and answered when, for the message of a failed check. */
    final List<String> log = new ArrayList<>();
  }

  private final Map<String, Counts> devices = new TreeMap<>();
  private final List<Instant> acknowledgedAt = new ArrayList<>();
  /** Requests are counted in the trail from here on: a device may have paused before this ledger began. */
  private final Instant opened = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // the trail's precision

  /** An employee's request through the agent: counted as acknowledged, refused or unanswered as its outcome says. */
  CompletionStage<RequestOutcome> track(String deviceId, Kind kind, CompletionStage<RequestOutcome> outcome) {
    asked(deviceId, kind);
    return outcome.whenComplete((answer, failure) -> {
      if (answer != null && answer.accepted()) {
        acknowledged(deviceId, kind);
      } else if (answer != null) {
        refused(deviceId, kind);
        note(deviceId, kind + " refused: " + answer.message());
      } else {
        note(deviceId, kind + " never answered: " + failure);
      }
    });
  }

  /**
   * An admin call on behalf of {@code deviceId}: OK is an acknowledgement, UNAVAILABLE (or no answer
   * in time) leaves it open, any other status is a refusal. Returns the status.
   */
  Status call(String deviceId, Kind kind, Supplier<CompletionStage<?>> request) {
    asked(deviceId, kind);
    try {
      request.get().toCompletableFuture().get(30, TimeUnit.SECONDS);
      acknowledged(deviceId, kind);
      return Status.OK;
    } catch (Exception e) {
      Status status = Status.fromThrowable(e); // it finds the status among the causes
      if (status.getCode() != Status.Code.UNAVAILABLE && status.getCode() != Status.Code.DEADLINE_EXCEEDED
          && !(e instanceof java.util.concurrent.TimeoutException)) {
        refused(deviceId, kind);
      }
      note(deviceId, kind + " answered " + status);
      return status;
    }
  }

  /** The approver's approval of {@code exemptionId} was acknowledged (call {@link #call} for the count). */
  synchronized void approved(String deviceId, String exemptionId) {
    device(deviceId).approvedExemptions.add(exemptionId);
  }

  /** An assignment of {@code version} to the device was acknowledged. */
  synchronized void assigned(String deviceId, long version) {
    device(deviceId).assignedVersions.add(version);
  }

  /**
   * The agent enforces {@code version}; its ack is the one fact the agent is never answered for, so it
   * counts as acknowledged once the agent applied it and must reach the controller all the same.
   */
  synchronized void applied(String deviceId, long version) {
    Counts counts = device(deviceId);
    if (!counts.appliedVersions.contains(version)) {
      counts.appliedVersions.add(version);
      counts.acknowledged.merge(Kind.POLICY_APPLIED, 1, Integer::sum);
      counts.mayExist.merge(Kind.POLICY_APPLIED, 1, Integer::sum);
    }
  }

  synchronized void enrolled(String deviceId) {
    Counts counts = device(deviceId);
    if (counts.acknowledged.getOrDefault(Kind.ENROLLED, 0) == 0) {
      counts.acknowledged.put(Kind.ENROLLED, 1);
      counts.mayExist.put(Kind.ENROLLED, 1);
    }
  }

  synchronized int acknowledged(Kind kind) {
    return devices.values().stream().mapToInt(c -> c.acknowledged.getOrDefault(kind, 0)).sum();
  }

  /** The first acknowledgement at or after {@code since}, if any came. */
  synchronized Optional<Instant> firstAcknowledgedAfter(Instant since) {
    return acknowledgedAt.stream().filter(t -> !t.isBefore(since)).min(Instant::compareTo);
  }

  /**
   * What a check found: the requests acknowledged from the ledger's start on, the fault included
   * (pauses, resumes, exemption requests, approvals, assignments), and what the agents hold afterwards (their enrollment, the
   * policy versions they applied), which the controller must know too.
   */
  record Found(int acknowledged, int held) {}

  /** Each agent is enrolled, and the controller must know the version it enforces. */
  void recordWhatAgentsHold(List<io.fleetcontrol.agent.DeviceAgent> agents) {
    for (io.fleetcontrol.agent.DeviceAgent agent : agents) {
      enrolled(agent.deviceId());
      applied(agent.deviceId(), agent.appliedPolicyVersion());
    }
  }

  /**
   * {@link #verify}, waiting up to a minute for the audit trail, then the journal itself: no entity
   * wrote a sequence number twice or ran on two nodes ({@link JournalWriters}).
   */
  Found verifyWithJournal(AdminServiceClient admin, String bearer, int cqlPort) {
    Found[] found = new Found[1];
    Eventually.within(java.time.Duration.ofSeconds(60), () -> found[0] = verify(admin, bearer));
    JournalWriters.Report journal = JournalWriters.read(cqlPort);
    assertEquals(List.of(), journal.problems(), "entities that wrote a sequence number twice or ran on two nodes ("
        + journal.events() + " events of " + journal.entities() + " entities read)");
    return found[0];
  }

  /**
   * Checks every device the ledger knows against GetDevice. Call it in {@link Eventually}: the history
   * is the audit trail, a read side that trails.
   */
  Found verify(AdminServiceClient admin, String bearer) throws Exception {
    Map<String, Counts> snapshot;
    synchronized (this) {
      snapshot = new TreeMap<>(devices);
    }
    int acknowledgedFound = 0;
    int heldFound = 0;
    for (var entry : snapshot.entrySet()) {
      String id = entry.getKey();
      Counts counts = entry.getValue();
      GetDeviceResponse response = admin.getDevice().addHeader("authorization", bearer)
          .invoke(GetDeviceRequest.newBuilder().setDeviceId(id).build())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      Device device = response.getDevice();
      List<AuditEvent> history = response.getHistoryList();
      synchronized (this) {
        for (Kind kind : Kind.values()) {
          int acknowledged = counts.acknowledged.getOrDefault(kind, 0);
          int mayExist = counts.mayExist.getOrDefault(kind, 0);
          if (kind == Kind.POLICY_ASSIGNED || kind == Kind.POLICY_APPLIED) {
            continue; // the controller assigns and agents re-ack on their own too: checked by version below
          }
          // An enrollment counts whenever it was; the employees' and approvers' requests since the ledger began.
          long recorded = history.stream().filter(e -> e.getAction().equals(kind.action))
              .filter(e -> kind == Kind.ENROLLED || !instant(e.getEventTime()).isBefore(opened)).count();
          assertTrue(recorded >= acknowledged && recorded <= mayExist, id + ": " + kind + " acknowledged "
              + acknowledged + " times, asked at most " + mayExist + ", recorded " + recorded + " times since "
              + opened + "; the ledger: " + counts.log + "; the trail: " + history.stream()
                  .map(e -> instant(e.getEventTime()) + " " + e.getAction() + " " + e.getDetail()).toList());
          if (kind == Kind.ENROLLED) {
            heldFound += acknowledged;
          } else {
            acknowledgedFound += acknowledged;
          }
        }
        for (String exemptionId : counts.approvedExemptions) {
          assertTrue(device.getExemptionsList().stream().anyMatch(x -> x.getExemptionId().equals(exemptionId)
              && x.getStatus() == ExemptionStatus.EXEMPTION_STATUS_APPROVED), id + " lost the approval of " + exemptionId);
        }
        assertTrue(device.getExemptionsCount() >= counts.acknowledged.getOrDefault(Kind.EXEMPTION_REQUESTED, 0),
            id + ": fewer exemptions than acknowledged requests: " + device.getExemptionsList());
        for (long version : counts.assignedVersions) {
          assertTrue(hasDetail(history, Kind.POLICY_ASSIGNED, " v" + version), id + " lost its assignment of v" + version);
          acknowledgedFound++;
        }
        for (long version : counts.appliedVersions) {
          assertTrue(hasDetail(history, Kind.POLICY_APPLIED, "applied v" + version), id + " lost its ack of v" + version);
          heldFound++;
        }
        if (!counts.appliedVersions.isEmpty()) {
          assertEquals(counts.appliedVersions.get(counts.appliedVersions.size() - 1).longValue(),
              device.getAppliedPolicy().getVersion(), id + ": the version its agent enforces last");
        }
      }
    }
    return new Found(acknowledgedFound, heldFound);
  }

  /** The check's figures in words, for a test's one line of output. */
  synchronized String describe(Found found) {
    return found.acknowledged() + " facts acknowledged around the fault found (" + acknowledged(Kind.PAUSED) + " pauses, "
        + acknowledged(Kind.RESUMED) + " resumes, " + acknowledged(Kind.EXEMPTION_REQUESTED) + " exemption requests, "
        + acknowledged(Kind.EXEMPTION_APPROVED) + " approvals, " + devices.values().stream()
            .mapToInt(c -> c.assignedVersions.size()).sum() + " assignments), and " + found.held()
        + " the agents hold (" + acknowledged(Kind.ENROLLED) + " enrollments, " + acknowledged(Kind.POLICY_APPLIED)
        + " policy versions applied)";
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static boolean hasDetail(List<AuditEvent> history, Kind kind, String ending) {
    return history.stream().anyMatch(e -> e.getAction().equals(kind.action) && e.getDetail().endsWith(ending));
  }

  private synchronized void asked(String deviceId, Kind kind) {
    device(deviceId).mayExist.merge(kind, 1, Integer::sum);
    note(deviceId, kind + " asked");
  }

  private synchronized void acknowledged(String deviceId, Kind kind) {
    device(deviceId).acknowledged.merge(kind, 1, Integer::sum);
    acknowledgedAt.add(Instant.now());
    note(deviceId, kind + " acknowledged");
  }

  private synchronized void note(String deviceId, String what) {
    device(deviceId).log.add(Instant.now() + " " + what);
  }

  private synchronized void refused(String deviceId, Kind kind) {
    device(deviceId).mayExist.merge(kind, -1, Integer::sum);
  }

  private Counts device(String deviceId) {
    return devices.computeIfAbsent(deviceId, id -> new Counts());
  }
}
