package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditEntriesTest {

  private static final Instant T = Instant.parse("2026-11-23T08:00:00Z");

  @Test
  void employeeActionsNameTheDeviceAndAdminActionsTheAdmin() {
    var pause = AuditEntries.of("Device|d1#7", (DeviceEvent)
        new DeviceEvent.PauseStarted("d1", T, T.plusSeconds(1800), "r1")).get(0);
    assertEquals("device:d1", pause.actor());
    assertEquals("pause.started", pause.action());
    assertEquals("d1", pause.deviceId());
    assertTrue(pause.detail().contains("30 min"), pause.detail());

    var approved = AuditEntries.of("Device|d1#8", (DeviceEvent)
        new DeviceEvent.ExemptionApproved("d1", "ex-1", T.plusSeconds(3600), "alice", T)).get(0);
    assertEquals("alice", approved.actor());
    assertEquals("exemption.approved", approved.action());

    var ranOut = AuditEntries.of("Device|d1#9", (DeviceEvent)
        new DeviceEvent.PauseEnded("d1", T, false, null)).get(0);
    assertEquals("system", ranOut.actor());
    assertEquals("pause.ended", ranOut.action());
  }

  @Test
  void assignmentsSayWhoAssignedAndOldEventsSaySystem() {
    Policy v2 = Policy.starter("default", 2);
    var byRollout = AuditEntries.of("x#1", (DeviceEvent)
        new DeviceEvent.PolicyAssigned("d1", v2, T, "rollout default-1")).get(0);
    assertEquals("rollout default-1", byRollout.actor());
    assertEquals("default v2", byRollout.detail());
    var old = AuditEntries.of("x#2", (DeviceEvent) new DeviceEvent.PolicyAssigned("d1", v2, T, null)).get(0);
    assertEquals("system", old.actor());
  }

  @Test
  void policyAndRolloutDecisionsAreFleetWide() {
    var created = AuditEntries.of("PolicyCatalog|catalog#1", (PolicyCatalog.Event)
        new PolicyCatalog.PolicyVersionCreated(Policy.starter("laptops", 1), "bob", T)).orElseThrow();
    assertEquals("policy.created", created.action());
    assertEquals("bob", created.actor());
    assertEquals("", created.deviceId());
    var updated = AuditEntries.of("PolicyCatalog|catalog#2", (PolicyCatalog.Event)
        new PolicyCatalog.PolicyVersionCreated(Policy.starter("laptops", 2), "bob", T)).orElseThrow();
    assertEquals("policy.updated", updated.action());

    var paused = AuditEntries.of("PolicyRollouts|default#3", (PolicyRollouts.Event)
        new PolicyRollouts.RolloutPaused("default-1", null, "battery drain 3.1x the rest", T)).orElseThrow();
    assertEquals("system", paused.actor(), "a gate paused it, not a person");
    assertTrue(paused.detail().contains("battery drain"), paused.detail());
  }

  @Test
  void anEnrollmentWithItsPolicyIsTwoEntriesTheAssignmentAfter() {
    var identity = new DeviceIdentity("d1", "olga", "US", Map.of(), "1.0", "Europe/Berlin");
    var entries = AuditEntries.of("Device|d1#1", (DeviceEvent) new DeviceEvent.DeviceEnrolled(
        "d1", identity, "cred", "enr", "et-1", T, Policy.starter("default", 3)));
    assertEquals(List.of("device.enrolled", "policy.assigned"), entries.stream().map(AuditEntry::action).toList());
    AuditEntry assigned = entries.get(1);
    assertEquals("system", assigned.actor());
    assertEquals("default v3", assigned.detail());
    assertEquals(T, assigned.time());
    assertTrue(assigned.eventId().compareTo(entries.get(0).eventId()) > 0,
        "the trail orders entries of one instant by id: the assignment must come after the enrollment");

    var without = AuditEntries.of("Device|d1#1", (DeviceEvent) new DeviceEvent.DeviceEnrolled(
        "d1", identity, "cred", "enr", "et-1", T, null));
    assertEquals(List.of("device.enrolled"), without.stream().map(AuditEntry::action).toList());
  }

  @Test
  void countersAreNotAuditEvents() {
    assertTrue(AuditEntries.of("x#3", (DeviceEvent)
        new DeviceEvent.UploadsRolledUp("d1", UploadCounters.EMPTY)).isEmpty());
  }

  @Test
  void eventIdsAreUniquePerJournalEntry() {
    assertEquals("Device|d1#7", AuditEntries.eventId("Device|d1", 7));
  }
}
