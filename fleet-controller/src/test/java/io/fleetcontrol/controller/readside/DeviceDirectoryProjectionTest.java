package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionRow;
import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.catalog.PolicyCatalog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.Test;

/** The projection's handlers, fed journaled events, write what the read side shows. */
class DeviceDirectoryProjectionTest {

  private static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");
  private static final String ID = "laptop-1";

  private final TestClock clock = new TestClock(T0);
  private final InMemoryDeviceStore devices = new InMemoryDeviceStore(clock);
  private final InMemoryExemptionStore exemptions = new InMemoryExemptionStore();
  private final InMemoryAuditStore audit = new InMemoryAuditStore();
  private final DeviceDirectoryProjection.DirectoryHandler handler =
      new DeviceDirectoryProjection.DirectoryHandler(devices, exemptions, audit, ProjectionLag.NONE, "test");
  private long sequenceNr;

  private void feed(DeviceEvent event) throws Exception {
    feedAt(++sequenceNr, event);
  }

  private void feedAt(long seq, DeviceEvent event) throws Exception {
    handler.process(List.of(EventEnvelope.create(Offset.sequence(seq), "Device|" + ID, seq, event, 0L)))
        .toCompletableFuture().get();
  }

  private ExemptionRow exemption(String exemptionId) {
    return exemptions.exemptionsOfDevice(ID, null, 100).toCompletableFuture().join().stream()
        .filter(r -> r.exemptionId().equals(exemptionId)).findFirst().orElseThrow();
  }

  private List<AuditEntry> history() {
    return audit.history(ID, 100).toCompletableFuture().join();
  }

  private DeviceStore.Entry entry() {
    List<DeviceStore.Entry> all = new ArrayList<>();
    devices.forEach(all::add).toCompletableFuture().join();
    return all.stream().filter(e -> e.deviceId().equals(ID)).findFirst().orElseThrow();
  }

  @Test
  void anEnrollmentAndAPolicyReachTheDirectoryAndTheTrail() throws Exception {
    var identity = new DeviceIdentity(ID, "ada", "DE", Map.of("team", "core"), "1.0.0", "Europe/Berlin");
    // The initial policy comes in the enrollment's own event.
    feed(new DeviceEvent.DeviceEnrolled(ID, identity, "cred", "enr", "et-000000000001", T0,
        Policy.starter("engineering", 4)));
    feed(new DeviceEvent.PolicyApplied(ID, 4, T0.plusSeconds(9), "engineering"));

    DeviceStore.Entry e = entry();
    assertEquals("ada", e.owner());
    assertEquals(T0, e.enrollTime());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("engineering", 4), e.targetPolicy());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("engineering", 4), e.appliedPolicy(), "the applied version keeps its policy's name");
    assertEquals(List.of("device.enrolled", "policy.assigned", "policy.applied"),
        history().stream().map(AuditEntry::action).toList());
    assertEquals("system", history().get(1).actor(), "the initial policy is the system's assignment");
  }

  @Test
  void aRevokedExemptionShowsTheRevokerAsTheEntityRecordsIt() throws Exception {
    feed(new DeviceEvent.ExemptionRequested(ID, "ex-1", io.fleetcontrol.policy.ExemptionScope.values()[0],
        io.fleetcontrol.policy.ExemptionReason.values()[0], "surgery", T0, "req-1"));
    Instant expiry = T0.plusSeconds(86_400);
    feed(new DeviceEvent.ExemptionApproved(ID, "ex-1", expiry, "alice", T0.plusSeconds(60)));
    assertEquals("alice", exemption("ex-1").decidedBy());

    feed(new DeviceEvent.ExemptionRevoked(ID, "ex-1", "back at work", "bob", T0.plusSeconds(120)));

    ExemptionRow revoked = exemption("ex-1");
    assertEquals("REVOKED", revoked.status());
    assertEquals("bob", revoked.decidedBy());
    assertEquals("back at work", revoked.decisionReason());
    assertEquals(T0.plusSeconds(120), revoked.decideTime());
    assertEquals(expiry, revoked.expireTime());
    assertEquals("surgery", revoked.comment());
    assertEquals("bob", history().get(2).actor());
  }

  @Test
  void aDenialAndAnExpiryKeepTheirDecisions() throws Exception {
    feed(new DeviceEvent.ExemptionRequested(ID, "ex-1", io.fleetcontrol.policy.ExemptionScope.values()[0],
        io.fleetcontrol.policy.ExemptionReason.values()[0], "", T0, "req-1"));
    feed(new DeviceEvent.ExemptionDenied(ID, "ex-1", "not for this", "carol", T0.plusSeconds(30)));
    assertEquals("DENIED", exemption("ex-1").status());
    assertEquals("not for this", exemption("ex-1").decisionReason());

    feed(new DeviceEvent.ExemptionRequested(ID, "ex-2", io.fleetcontrol.policy.ExemptionScope.values()[0],
        io.fleetcontrol.policy.ExemptionReason.values()[0], "", T0.plusSeconds(40), "req-2"));
    feed(new DeviceEvent.ExemptionApproved(ID, "ex-2", T0.plusSeconds(600), "alice", T0.plusSeconds(50)));
    feed(new DeviceEvent.ExemptionExpired(ID, "ex-2", T0.plusSeconds(600)));
    assertEquals("EXPIRED", exemption("ex-2").status());
    assertEquals("alice", exemption("ex-2").decidedBy());
    assertEquals(List.of("ex-2"), exemptions.exemptionsOfMonth("EXPIRED", "2025-03", null, 10)
        .toCompletableFuture().join().stream().map(ExemptionRow::exemptionId).toList());
  }

  @Test
  void anEventProjectedTwiceIsInTheTrailOnce() throws Exception {
    var identity = new DeviceIdentity(ID, "ada", "DE", Map.of(), "1.0.0", "UTC");
    Policy policy = Policy.starter("default", 1);
    feedAt(1, new DeviceEvent.DeviceEnrolled(ID, identity, "cred", "enr", null, T0, policy));
    feedAt(1, new DeviceEvent.DeviceEnrolled(ID, identity, "cred", "enr", null, T0, policy));
    assertEquals(List.of("device.enrolled", "policy.assigned"), history().stream().map(AuditEntry::action).toList());
    assertTrue(devices.hasDevice(ID).toCompletableFuture().join());
  }

  @Test
  void aNewPolicyVersionIsAuditedByItsAuthor() throws Exception {
    var admin = new DeviceDirectoryProjection.AdminAuditHandler(audit);
    Policy policy = Policy.starter("engineering", 1);
    admin.process(EventEnvelope.create(Offset.sequence(1), "PolicyCatalog|catalog", 1,
        (Object) new PolicyCatalog.PolicyVersionCreated(policy, "alice", T0), 0L)).toCompletableFuture().get();
    var listing = audit.list(new AuditStore.Filter(null, "policy.created", null), null, 10).toCompletableFuture().join();
    assertEquals(1, listing.entries().size());
    assertEquals("alice", listing.entries().get(0).actor());
    assertEquals("engineering v1", listing.entries().get(0).detail());
  }

  @Test
  void aGroupWritesEachDevicesRowOnceWithWhatItsEventsSetAndItsDevicesSideBySide() {
    var store = new HeldWrites();
    var held = store.held;
    var grouped = new DeviceDirectoryProjection.DirectoryHandler(store, exemptions, audit, ProjectionLag.NONE, "test");
    Policy policy = Policy.starter("engineering", 2);
    var group = List.of(
        EventEnvelope.create(Offset.sequence(1), "Device|a", 1, (DeviceEvent) new DeviceEvent.PolicyAssigned("a", policy, T0, "alice"), 0L),
        EventEnvelope.create(Offset.sequence(2), "Device|b", 1, (DeviceEvent) new DeviceEvent.PolicyAssigned("b", policy, T0, "alice"), 0L),
        EventEnvelope.create(Offset.sequence(3), "Device|a", 2, (DeviceEvent) new DeviceEvent.PolicyApplied("a", 2, T0, "engineering"), 0L));

    var done = grouped.process(group).toCompletableFuture();

    assertEquals(List.of("row a", "row b"), held.started, "one write per device, both at once");
    PolicyVersion v2 = new PolicyVersion("engineering", 2);
    assertEquals(new DeviceStore.RowChange("a", null, null, v2, v2, T0), store.changes.get("a"));
    assertEquals(DeviceStore.RowChange.target("b", v2, T0), store.changes.get("b"));
    held.finish("row a");
    assertFalse(done.isDone(), "the group is done only when every device's writes are");
    held.finish("row b");
    assertTrue(done.isDone());
    assertEquals(3, audit.list(new AuditStore.Filter(null, null, null), null, 10).toCompletableFuture().join().entries().size());
  }

  @Test
  void aDevicesEventsInOneGroupLeaveTheRowAndTrailAsOneGroupEachWould() throws Exception {
    var identity = new DeviceIdentity(ID, "ada", "DE", Map.of("team", "core"), "1.0.0", "Europe/Berlin");
    var reenrolled = new DeviceIdentity(ID, "grace", "FR", Map.of(), "1.1.0", "Europe/Paris");
    List<DeviceEvent> events = List.of(
        // Journaled before enrollments carried their policy: the assignment is an event of its own.
        new DeviceEvent.DeviceEnrolled(ID, identity, "cred", "enr", "et-000000000001", T0, null),
        new DeviceEvent.PolicyAssigned(ID, Policy.starter("engineering", 4), T0.plusSeconds(5), "alice"),
        new DeviceEvent.PolicyApplied(ID, 4, T0.plusSeconds(9), "engineering"),
        new DeviceEvent.PolicyAssigned(ID, Policy.starter("engineering", 5), T0.plusSeconds(20), "bob"),
        new DeviceEvent.DeviceReenrolled(ID, reenrolled, "cred2", "enr2", null, T0.plusSeconds(30)));
    for (DeviceEvent event : events) {
      feed(event);
    }
    var oneByOne = entry();

    var folded = new InMemoryDeviceStore(clock);
    var foldedAudit = new InMemoryAuditStore();
    List<EventEnvelope<DeviceEvent>> group = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      group.add(EventEnvelope.create(Offset.sequence(i + 1), "Device|" + ID, i + 1, events.get(i), 0L));
    }
    new DeviceDirectoryProjection.DirectoryHandler(folded, exemptions, foldedAudit, ProjectionLag.NONE, "test")
        .process(group).toCompletableFuture().get();
    List<DeviceStore.Entry> rows = new ArrayList<>();
    folded.forEach(rows::add).toCompletableFuture().join();

    assertEquals(List.of(oneByOne), rows);
    assertEquals("grace", oneByOne.owner());
    assertEquals(T0, oneByOne.enrollTime(), "a re-enrollment keeps the first enrollment time");
    assertEquals(new PolicyVersion("engineering", 5), oneByOne.targetPolicy());
    assertEquals(new PolicyVersion("engineering", 4), oneByOne.appliedPolicy());
    assertEquals(history(), foldedAudit.history(ID, 100).toCompletableFuture().join());
  }

  @Test
  void aGroupTellsTheLagOfItsNewestEventOnlyOnceItsWritesAreDone() {
    var store = new HeldWrites();
    var held = store.held;
    List<String> told = new ArrayList<>();
    var grouped = new DeviceDirectoryProjection.DirectoryHandler(store, exemptions, audit,
        (projection, newest) -> told.add(projection + " " + newest), "device-directory-device-1");
    Policy policy = Policy.starter("engineering", 2);
    var done = grouped.process(List.of(
        EventEnvelope.create(Offset.sequence(1), "Device|a", 1, (DeviceEvent) new DeviceEvent.PolicyAssigned("a", policy, T0, "alice"), 5_000L),
        EventEnvelope.create(Offset.sequence(2), "Device|b", 1, (DeviceEvent) new DeviceEvent.PolicyAssigned("b", policy, T0, "alice"), 9_000L)))
        .toCompletableFuture();
    held.finish("row a");
    assertEquals(List.of(), told, "nothing is told while a write is still open");
    held.finish("row b");
    assertTrue(done.isDone());
    assertEquals(List.of("device-directory-device-1 " + Instant.ofEpochMilli(9_000)), told);
  }

  @Test
  void aDevicesExemptionWritesInOneGroupRunOneAfterAnotherInJournalOrder() {
    var store = new HeldExemptions();
    var held = store.held;
    var grouped = new DeviceDirectoryProjection.DirectoryHandler(devices, store, audit, ProjectionLag.NONE, "test");
    var scope = io.fleetcontrol.policy.ExemptionScope.values()[0];
    var reason = io.fleetcontrol.policy.ExemptionReason.values()[0];
    var done = grouped.process(List.of(
        EventEnvelope.create(Offset.sequence(1), "Device|a", 1,
            (DeviceEvent) new DeviceEvent.ExemptionRequested("a", "ex-1", scope, reason, "", T0, "req-1"), 0L),
        EventEnvelope.create(Offset.sequence(2), "Device|b", 1,
            (DeviceEvent) new DeviceEvent.ExemptionRequested("b", "ex-2", scope, reason, "", T0, "req-2"), 0L),
        EventEnvelope.create(Offset.sequence(3), "Device|a", 2,
            (DeviceEvent) new DeviceEvent.ExemptionApproved("a", "ex-1", T0.plusSeconds(600), "alice", T0), 0L)))
        .toCompletableFuture();

    assertEquals(List.of("request ex-1", "request ex-2"), held.started, "devices side by side, a's decision waits");
    held.finish("request ex-1");
    assertEquals(List.of("request ex-1", "request ex-2", "decision ex-1"), held.started);
    held.finish("decision ex-1");
    held.finish("request ex-2");
    assertTrue(done.isDone());
  }

  /** Exemption writes that complete only when the test says so, in the order they were started. */
  private static final class HeldExemptions implements ExemptionStore {
    final Held held = new Held();

    @Override
    public CompletionStage<Done> recordExemptionRequest(String deviceId, String exemptionId, String scope,
        String reason, String comment, Instant at) {
      return held.hold("request " + exemptionId);
    }

    @Override
    public CompletionStage<Done> recordExemptionDecision(String deviceId, String exemptionId, String status,
        Instant expireTime, String by, String why, Instant at) {
      return held.hold("decision " + exemptionId);
    }

    @Override
    public CompletionStage<Done> recordExemptionRevocation(String deviceId, String exemptionId, String by, String why,
        Instant at) {
      return held.hold("revocation " + exemptionId);
    }

    @Override
    public CompletionStage<Done> recordExemptionStatus(String deviceId, String exemptionId, String status) {
      return held.hold("status " + exemptionId);
    }

    @Override
    public CompletionStage<List<String>> exemptionMonths(String status, String fromMonth, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<ExemptionRow>> exemptionsOfMonth(String status, String month,
        ExemptionStore.ExemptionKey after, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<ExemptionRow>> exemptionsOfDevice(String deviceId, String status, int limit) {
      throw new UnsupportedOperationException();
    }
  }

  /** Writes that complete only when the test says so, in the order they were started. */
  private static final class Held {
    final List<String> started = new ArrayList<>();
    private final Map<String, CompletableFuture<Done>> pending = new HashMap<>();

    void finish(String write) {
      pending.remove(write).complete(Done.getInstance());
    }

    CompletionStage<Done> hold(String write) {
      started.add(write);
      var future = new CompletableFuture<Done>();
      pending.put(write, future);
      return future;
    }
  }

  /** Directory writes that complete only when the test says so, in the order they were started. */
  private static final class HeldWrites implements DeviceStore {
    final Held held = new Held();
    final Map<String, RowChange> changes = new HashMap<>();

    @Override
    public CompletionStage<Done> update(RowChange change) {
      changes.put(change.deviceId(), change);
      return held.hold("row " + change.deviceId());
    }

    @Override
    public CompletionStage<Done> recordPresence(String deviceId, Instant lastSeen,
        String liveOn, String captureState, String reason, long order) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Boolean> hasDevice(String deviceId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<DeviceStore.Entry>> changedSince(Instant since) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<DeviceStore.Entry>> page(String afterDeviceId, int limit) {
      throw new UnsupportedOperationException();
    }
  }
}
