package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditEntriesTest {

  private static final Instant T = Instant.parse("2026-11-23T08:00:00Z");

  @Test
  void employeeActionsNameTheDeviceAndAdminActionsTheAdmin() {
    var pause = AuditEntries.of("Device|d1#7", (DeviceEvent)
        new DeviceEvent.PauseStarted("d1", T, T.plusSeconds(1800), "r1")).orElseThrow();
    assertEquals("device:d1", pause.actor());
    assertEquals("pause.started", pause.action());
    assertEquals("d1", pause.deviceId());
    assertTrue(pause.detail().contains("30 min"), pause.detail());

    var approved = AuditEntries.of("Device|d1#8", (DeviceEvent)
        new DeviceEvent.ExemptionApproved("d1", "ex-1", T.plusSeconds(3600), "alice", T)).orElseThrow();
    assertEquals("alice", approved.actor());
    assertEquals("exemption.approved", approved.action());

    var ranOut = AuditEntries.of("Device|d1#9", (DeviceEvent)
        new DeviceEvent.PauseEnded("d1", T, false, null)).orElseThrow();
    assertEquals("system", ranOut.actor());
    assertEquals("pause.ended", ranOut.action());
  }

  @Test
  void assignmentsSayWhoAssignedAndOldEventsSaySystem() {
    Policy v2 = Policy.starter("default", 2);
    var byRollout = AuditEntries.of("x#1", (DeviceEvent)
        new DeviceEvent.PolicyAssigned("d1", v2, T, "rollout default-1")).orElseThrow();
    assertEquals("rollout default-1", byRollout.actor());
    assertEquals("default v2", byRollout.detail());
    var old = AuditEntries.of("x#2", (DeviceEvent) new DeviceEvent.PolicyAssigned("d1", v2, T, null)).orElseThrow();
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
  void countersAreNotAuditEvents() {
    assertTrue(AuditEntries.of("x#3", (DeviceEvent)
        new DeviceEvent.UploadsRolledUp("d1", UploadCounters.EMPTY)).isEmpty());
  }

  @Test
  void eventIdsAreUniquePerJournalEntry() {
    assertEquals("Device|d1#7", AuditEntries.eventId("Device|d1", 7));
  }
}
