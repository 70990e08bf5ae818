package io.fleetcontrol.device;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.HealthRollup;
import io.fleetcontrol.serialization.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * Read-only view of a device entity, the answer to its commands. {@code health} is the last hour of
 * heartbeats on this node (memory only: it starts empty after a restart or a move to another node).
 */
public record DeviceSummary(
    DeviceIdentity identity,
    Instant enrollTime,
    PolicyVersion targetPolicy,
    PolicyVersion appliedPolicy,
    Instant lastSeen,
    CaptureState captureState,
    String captureStateReason,
    DeviceTelemetry latestTelemetry,
    Instant pauseStart,
    Instant pauseEnd,
    PausesLeft pausesLeftToday,
    List<ExemptionRecord> exemptions,
    long uploadedBytesToday,
    long uploadedBytesThisMonth,
    HealthRollup.Summary health,
    int pausesTakenToday,
    DeviceCredential.Status identityStatus)
    implements CborSerializable {}
