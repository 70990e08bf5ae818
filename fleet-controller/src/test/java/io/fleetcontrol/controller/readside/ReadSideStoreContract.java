package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionKey;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionRow;
import io.fleetcontrol.policy.DeviceIdentity;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * What every read-side store promises, whatever keeps it: fleetspeak's shared store test suite in
 * shape. Runs against the in-memory stores here and against Cassandra in integration-tests
 * ({@code CassandraReadSideStoreIntegrationTest}). Each test names its own devices and its own
 * month, so tests sharing one Cassandra keyspace do not see each other's rows.
 */
public abstract class ReadSideStoreContract {

  /** The three stores under test, sharing {@code clock} for the times they stamp themselves. */
  public record Stores(DeviceStore devices, ExemptionStore exemptions, AuditStore audit) {}

  /** Stores over one backing store for the whole class; they may hold other tests' rows. */
  protected abstract Stores stores(TestClock clock);

  private final String run = "c" + UUID.randomUUID().toString().substring(0, 8);
  /** A month of its own in the past (Cassandra keeps milliseconds: every time here is whole). */
  private final Instant base = LocalDate.of(1950 + ThreadLocalRandom.current().nextInt(70),
      1 + ThreadLocalRandom.current().nextInt(12), 3).atStartOfDay(ZoneOffset.UTC).toInstant();
  private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final Stores stores = stores(clock);

  private String device(String name) {
    return run + "-" + name;
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private DeviceIdentity identity(String id, String owner, Map<String, String> labels) {
    return new DeviceIdentity(id, owner, "DE", labels, "1.2.3", "Europe/Berlin");
  }

  private Optional<DeviceStore.Entry> row(String id) {
    List<DeviceStore.Entry> all = new ArrayList<>();
    join(stores.devices().forEach(all::add));
    return all.stream().filter(e -> e.deviceId().equals(id)).findFirst();
  }

  // ---- devices ----

  @Test
  public void anEnrolledDeviceHasItsIdentityPolicyAndPresence() {
    String id = device("a");
    assertFalse(join(stores.devices().hasDevice(id)));
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of("team", "core")), base)));
    join(stores.devices().update(DeviceStore.RowChange.target(id, new io.fleetcontrol.policy.PolicyVersion("engineering", 3), base.plusSeconds(1))));
    join(stores.devices().update(DeviceStore.RowChange.applied(id, new io.fleetcontrol.policy.PolicyVersion("default", 2), base.plusSeconds(2))));
    join(stores.devices().recordPresence(id, base.plusSeconds(60), "node-1", "CAPTURING", "policy", 60_000_000L));

    assertTrue(join(stores.devices().hasDevice(id)));
    DeviceStore.Entry e = row(id).orElseThrow();
    assertEquals("ada", e.owner());
    assertEquals("DE", e.jurisdiction());
    assertEquals(Map.of("team", "core"), e.labels());
    assertEquals("1.2.3", e.agentVersion());
    assertEquals("Europe/Berlin", e.timeZone());
    assertEquals(base, e.enrollTime());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("engineering", 3), e.targetPolicy());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("default", 2), e.appliedPolicy());
    assertEquals(base.plusSeconds(60), e.lastSeen());
    assertEquals("node-1", e.liveOn());
    assertEquals("CAPTURING", e.captureState());
    assertEquals("policy", e.captureReason());
    assertEquals(clock.instant(), e.updatedAt());
  }

  @Test
  public void oneChangeSetsEveryColumnItNamesAndAnEmptyOneMakesNoRow() {
    String id = device("c");
    var target = new io.fleetcontrol.policy.PolicyVersion("engineering", 3);
    var applied = new io.fleetcontrol.policy.PolicyVersion("engineering", 2);
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of("team", "core")), base)
        .then(DeviceStore.RowChange.target(id, target, base)).then(DeviceStore.RowChange.applied(id, applied, base))));
    DeviceStore.Entry e = row(id).orElseThrow();
    assertEquals("ada", e.owner());
    assertEquals(Map.of("team", "core"), e.labels());
    assertEquals(base, e.enrollTime());
    assertEquals(target, e.targetPolicy());
    assertEquals(applied, e.appliedPolicy());

    String none = device("n");
    join(stores.devices().update(new DeviceStore.RowChange(none, null, null, null, null, base)));
    assertFalse(join(stores.devices().hasDevice(none)));
  }

  @Test
  public void aPresenceRowStopsBeingLiveAndAFactLeavesPresenceAlone() {
    String id = device("silent");
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of()), base)));
    assertNull(row(id).orElseThrow().liveOn(), "no word yet");
    join(stores.devices().recordPresence(id, base.plusSeconds(10), "node-1", "CAPTURING", "policy", 10));
    join(stores.devices().recordPresence(id, base.plusSeconds(20), "", "CAPTURING", "policy", 20));
    join(stores.devices().update(DeviceStore.RowChange.target(id, new io.fleetcontrol.policy.PolicyVersion("default", 2), base.plusSeconds(30))));
    DeviceStore.Entry e = row(id).orElseThrow();
    assertEquals("", e.liveOn());
    assertEquals(base.plusSeconds(20), e.lastSeen());
    // A late word of lower order (a node the device left) does not overwrite it.
    join(stores.devices().recordPresence(id, base.plusSeconds(15), "node-2", "PAUSED", "paused", 15));
    assertEquals(base.plusSeconds(20), row(id).orElseThrow().lastSeen());
    assertEquals("", row(id).orElseThrow().liveOn());
    assertEquals("CAPTURING", row(id).orElseThrow().captureState());
  }

  @Test
  public void aFactWrittenAfterALaterOneLeavesTheLaterOnesColumns() {
    // The journaling node and the projection write the same facts in either order, and again after a crash.
    String id = device("late");
    var v2 = new io.fleetcontrol.policy.PolicyVersion("default", 2);
    var v3 = new io.fleetcontrol.policy.PolicyVersion("default", 3);
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of()), base)));
    join(stores.devices().update(DeviceStore.RowChange.target(id, v3, base.plusSeconds(20))
        .then(DeviceStore.RowChange.applied(id, v3, base.plusSeconds(25)))));
    join(stores.devices().update(DeviceStore.RowChange.identity(identity(id, "grace", Map.of()), base.plusSeconds(30))));
    // The projection, behind: the enrollment's first policy, v2 assigned and applied, the first identity.
    join(stores.devices().update(DeviceStore.RowChange.target(id, v2, base.plusSeconds(10))
        .then(DeviceStore.RowChange.applied(id, v2, base.plusSeconds(15)))));
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of("site", "ber")), base)));

    DeviceStore.Entry e = row(id).orElseThrow();
    assertEquals(v3, e.targetPolicy());
    assertEquals(v3, e.appliedPolicy());
    assertEquals("grace", e.owner());
    assertEquals(Map.of(), e.labels());
    assertEquals(base, e.enrollTime());
    // A later fact still replaces them.
    join(stores.devices().update(DeviceStore.RowChange.applied(id, v2, base.plusSeconds(40))));
    assertEquals(v2, row(id).orElseThrow().appliedPolicy());
    assertEquals(v3, row(id).orElseThrow().targetPolicy());
  }

  @Test
  public void aReenrollmentChangesTheIdentityAndKeepsTheFirstEnrollmentTime() {
    String id = device("b");
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(id, "ada", Map.of()), base)));
    join(stores.devices().update(DeviceStore.RowChange.identity(identity(id, "grace", Map.of("site", "ber")), base.plusSeconds(1))));
    DeviceStore.Entry e = row(id).orElseThrow();
    assertEquals("grace", e.owner());
    assertEquals(Map.of("site", "ber"), e.labels());
    assertEquals(base, e.enrollTime());
  }

  @Test
  public void changedSinceFindsRowsWrittenAtOrAfterTheTimeOnly() {
    String before = device("before");
    String after = device("after");
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(before, "ada", Map.of()), base)));
    clock.advance(Duration.ofMinutes(5));
    Instant mark = clock.instant();
    join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(after, "ada", Map.of()), base)));

    List<String> changed = join(stores.devices().changedSince(mark)).stream().map(DeviceStore.Entry::deviceId).toList();
    assertTrue(changed.contains(after), changed.toString());
    assertFalse(changed.contains(before), changed.toString());
  }

  @Test
  public void pagingOnFromEachPagesLastIdVisitsEveryDeviceOnce() {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      mine.add(device("p" + i));
      join(stores.devices().update(DeviceStore.RowChange.enrolled(identity(device("p" + i), "ada", Map.of()), base)));
    }
    List<String> seen = new ArrayList<>();
    String after = null;
    for (int pages = 0; pages < 10_000; pages++) {
      List<DeviceStore.Entry> page = join(stores.devices().page(after, 3));
      assertTrue(page.size() <= 3);
      page.forEach(e -> seen.add(e.deviceId()));
      if (page.size() < 3) {
        break;
      }
      after = page.get(page.size() - 1).deviceId();
    }
    assertEquals(seen.size(), new HashSet<>(seen).size(), "a device came twice: " + seen);
    assertTrue(seen.containsAll(mine), seen.toString());
  }

  // ---- exemptions ----

  private List<ExemptionRow> queue(String status, Instant requested) {
    return join(stores.exemptions().exemptionsOfMonth(status, ExemptionStore.exemptionMonth(requested), null, 1000))
        .stream().filter(r -> r.deviceId().startsWith(run)).toList();
  }

  private ExemptionRow only(String id, String exemptionId) {
    List<ExemptionRow> rows = join(stores.exemptions().exemptionsOfDevice(id, null, 100)).stream()
        .filter(r -> r.exemptionId().equals(exemptionId)).toList();
    assertEquals(1, rows.size(), rows.toString());
    return rows.get(0);
  }

  @Test
  public void aRequestIsQueuedAndAnApprovalMovesItToTheApprovedQueue() {
    String id = device("x");
    join(stores.exemptions().recordExemptionRequest(id, "ex-1", "FULL", "MEDICAL", "doctor", base));
    ExemptionRow requested = only(id, "ex-1");
    assertEquals("REQUESTED", requested.status());
    assertEquals("FULL", requested.scope());
    assertEquals("MEDICAL", requested.reason());
    assertEquals("doctor", requested.comment());
    assertEquals(base, requested.requestTime());
    assertEquals(List.of("ex-1"), queue("REQUESTED", base).stream().map(ExemptionRow::exemptionId).toList());
    assertTrue(join(stores.exemptions().exemptionMonths("REQUESTED", null, 100_000))
        .contains(ExemptionStore.exemptionMonth(base)));

    Instant decided = base.plus(Duration.ofHours(2));
    Instant expiry = base.plus(Duration.ofDays(30));
    join(stores.exemptions().recordExemptionDecision(id, "ex-1", "APPROVED", expiry, "alice", null, decided));
    ExemptionRow approved = only(id, "ex-1");
    assertEquals("APPROVED", approved.status());
    assertEquals(expiry, approved.expireTime());
    assertEquals("alice", approved.decidedBy());
    assertEquals(decided, approved.decideTime());
    assertEquals("doctor", approved.comment());
    assertTrue(queue("REQUESTED", base).isEmpty(), "still queued as requested");
    List<ExemptionRow> queued = queue("APPROVED", base);
    assertEquals(1, queued.size());
    assertEquals("alice", queued.get(0).decidedBy());
  }

  @Test
  public void aRevocationRecordsTheRevokerAndKeepsTheExpiry() {
    String id = device("r");
    Instant expiry = base.plus(Duration.ofDays(30));
    join(stores.exemptions().recordExemptionRequest(id, "ex-1", "FULL", "MEDICAL", "", base));
    join(stores.exemptions().recordExemptionDecision(id, "ex-1", "APPROVED", expiry, "alice", null, base.plusSeconds(60)));
    join(stores.exemptions().recordExemptionRevocation(id, "ex-1", "bob", "no longer needed", base.plusSeconds(120)));

    ExemptionRow revoked = only(id, "ex-1");
    assertEquals("REVOKED", revoked.status());
    assertEquals("bob", revoked.decidedBy());
    assertEquals("no longer needed", revoked.decisionReason());
    assertEquals(base.plusSeconds(120), revoked.decideTime());
    assertEquals(expiry, revoked.expireTime());
    assertTrue(queue("APPROVED", base).isEmpty());
    assertEquals("bob", queue("REVOKED", base).get(0).decidedBy());
  }

  @Test
  public void aDenialHasAReasonAndNoExpiryAndExpiryKeepsTheDecision() {
    String id = device("d");
    join(stores.exemptions().recordExemptionRequest(id, "ex-1", "FULL", "OTHER", "", base));
    join(stores.exemptions().recordExemptionDecision(id, "ex-1", "DENIED", null, "alice", "not now", base.plusSeconds(60)));
    ExemptionRow denied = only(id, "ex-1");
    assertEquals("DENIED", denied.status());
    assertNull(denied.expireTime());
    assertEquals("not now", denied.decisionReason());

    join(stores.exemptions().recordExemptionRequest(id, "ex-2", "FULL", "OTHER", "", base.plusSeconds(1)));
    join(stores.exemptions().recordExemptionDecision(id, "ex-2", "APPROVED", base.plusSeconds(600), "carol", null,
        base.plusSeconds(60)));
    join(stores.exemptions().recordExemptionStatus(id, "ex-2", "EXPIRED"));
    ExemptionRow expired = only(id, "ex-2");
    assertEquals("EXPIRED", expired.status());
    assertEquals("carol", expired.decidedBy());
    assertEquals(List.of("ex-2"), queue("EXPIRED", base).stream().map(ExemptionRow::exemptionId).toList());
  }

  @Test
  public void theQueueIsOldestRequestFirstAndResumesAfterAKey() {
    join(stores.exemptions().recordExemptionRequest(device("q2"), "ex-1", "FULL", "OTHER", "", base.plusSeconds(20)));
    join(stores.exemptions().recordExemptionRequest(device("q1"), "ex-1", "FULL", "OTHER", "", base.plusSeconds(10)));
    join(stores.exemptions().recordExemptionRequest(device("q3"), "ex-1", "FULL", "OTHER", "", base.plusSeconds(30)));
    List<ExemptionRow> all = queue("REQUESTED", base);
    assertEquals(List.of(device("q1"), device("q2"), device("q3")), all.stream().map(ExemptionRow::deviceId).toList());

    String month = ExemptionStore.exemptionMonth(base);
    List<String> rest = join(stores.exemptions().exemptionsOfMonth("REQUESTED", month, ExemptionKey.of(all.get(0)), 1000))
        .stream().map(ExemptionRow::deviceId).filter(d -> d.startsWith(run)).toList();
    assertEquals(List.of(device("q2"), device("q3")), rest);
    assertEquals(1, join(stores.exemptions().exemptionsOfMonth("REQUESTED", month, null, 1)).size());
  }

  @Test
  public void aDevicesExemptionsFilterByStatus() {
    String id = device("s");
    join(stores.exemptions().recordExemptionRequest(id, "ex-1", "FULL", "OTHER", "", base));
    join(stores.exemptions().recordExemptionRequest(id, "ex-2", "FULL", "OTHER", "", base.plusSeconds(1)));
    join(stores.exemptions().recordExemptionDecision(id, "ex-2", "DENIED", null, "alice", "no", base.plusSeconds(5)));
    assertEquals(List.of("ex-1"), join(stores.exemptions().exemptionsOfDevice(id, "REQUESTED", 100)).stream()
        .map(ExemptionRow::exemptionId).toList());
    assertEquals(2, join(stores.exemptions().exemptionsOfDevice(id, null, 100)).size());
    assertTrue(join(stores.exemptions().exemptionsOfDevice(device("nobody"), null, 100)).isEmpty());
  }

  // ---- audit ----

  private AuditEntry entry(int n, String deviceId, String action) {
    return new AuditEntry(base.plusSeconds(n), run + "#" + n, "alice", action, deviceId, "entry " + n);
  }

  @Test
  public void historyIsTheLatestEntriesOldestFirstAndAnEntryWrittenTwiceIsThereOnce() {
    String id = device("h");
    for (int n = 1; n <= 5; n++) {
      join(stores.audit().record(entry(n, id, "pause.started")));
    }
    join(stores.audit().record(entry(5, id, "pause.started")));
    List<AuditEntry> history = join(stores.audit().history(id, 3));
    assertEquals(List.of("entry 3", "entry 4", "entry 5"), history.stream().map(AuditEntry::detail).toList());
    assertEquals(5, join(stores.audit().history(id, 100)).size());
  }

  @Test
  public void aDevicesListingIsNewestFirstPageByPageWithAnActionFilter() {
    String id = device("l");
    for (int n = 1; n <= 5; n++) {
      join(stores.audit().record(entry(n, id, n % 2 == 0 ? "pause.started" : "exemption.requested")));
    }
    List<String> seen = new ArrayList<>();
    AuditStore.Cursor after = null;
    for (int pages = 0; pages < 100; pages++) {
      AuditStore.Listing page = join(stores.audit().list(new AuditStore.Filter(id, null, null), after, 2));
      assertTrue(page.entries().size() <= 2);
      page.entries().forEach(e -> seen.add(e.detail()));
      after = page.next() == null ? null : AuditStore.Cursor.decode(page.next().encode());
      if (after == null) {
        break;
      }
    }
    assertEquals(List.of("entry 5", "entry 4", "entry 3", "entry 2", "entry 1"), seen);

    AuditStore.Listing pauses = join(stores.audit().list(new AuditStore.Filter(id, "pause.started", null), null, 10));
    assertEquals(List.of("entry 4", "entry 2"), pauses.entries().stream().map(AuditEntry::detail).toList());
    assertNull(pauses.next());
  }

  @Test
  public void anActorFilterKeepsWhatThatIdentityDid() {
    String id = device("actor");
    AuditEntry byAlice = entry(1, id, "exemption.approved");
    join(stores.audit().record(byAlice));
    join(stores.audit().record(new AuditEntry(base.plusSeconds(2), run + "#bob", "bob", "exemption.denied", id,
        "entry by bob")));
    AuditStore.Listing bobs = join(stores.audit().list(new AuditStore.Filter(id, null, "bob"), null, 10));
    assertEquals(List.of("entry by bob"), bobs.entries().stream().map(AuditEntry::detail).toList());
    AuditStore.Listing alices = join(stores.audit().list(new AuditStore.Filter(id, null, "alice"), null, 10));
    assertEquals(List.of("entry 1"), alices.entries().stream().map(AuditEntry::detail).toList());
  }

  @Test
  public void aFleetWideListingHasEntriesWithoutADevice() {
    String action = "contract." + run;
    join(stores.audit().record(entry(1, "", action)));
    join(stores.audit().record(entry(2, device("f"), action)));
    List<AuditEntry> seen = new ArrayList<>();
    AuditStore.Cursor after = null;
    for (int pages = 0; pages < 1000; pages++) {
      AuditStore.Listing page = join(stores.audit().list(new AuditStore.Filter(null, action, null), after, 10));
      seen.addAll(page.entries());
      after = page.next();
      if (after == null) {
        break;
      }
    }
    assertNotNull(seen);
    assertEquals(List.of("entry 2", "entry 1"), seen.stream().map(AuditEntry::detail).toList());
    assertEquals("", seen.get(1).deviceId());
  }

  @Test
  public void entriesRecordedTogetherAreEachInTheirDaysAndDevicesTrailOnce() {
    String a = device("ga");
    String b = device("gb");
    String action = "group." + run;
    List<AuditEntry> group = new ArrayList<>();
    for (int n = 1; n <= 40; n++) {
      // Enough text that one partition's entries take more than one batch; the last is a day later.
      group.add(new AuditEntry(base.plusSeconds(n == 40 ? 86_400 : n), run + "#g" + n, "alice", action,
          n % 4 == 0 ? b : a, "entry " + n + " " + "x".repeat(200)));
    }
    join(stores.audit().recordAll(group));
    join(stores.audit().recordAll(group.subList(0, 3)));

    assertEquals(30, join(stores.audit().history(a, 100)).size());
    List<AuditEntry> ofB = join(stores.audit().history(b, 100));
    assertEquals(List.of("entry 4", "entry 8", "entry 12"), ofB.subList(0, 3).stream()
        .map(e -> e.detail().substring(0, e.detail().indexOf(' ', 6))).toList());
    assertEquals(10, ofB.size());
    List<AuditEntry> fleetWide = new ArrayList<>();
    AuditStore.Cursor after = null;
    for (int pages = 0; pages < 1000; pages++) {
      AuditStore.Listing page = join(stores.audit().list(new AuditStore.Filter(null, action, null), after, 100));
      fleetWide.addAll(page.entries());
      after = page.next();
      if (after == null) {
        break;
      }
    }
    assertEquals(40, fleetWide.size(), "each entry once in its day, across two days");
    assertEquals(run + "#g40", fleetWide.get(0).eventId(), "the next day's entry first");
  }
}
