package io.fleetcontrol.device;

import io.fleetcontrol.policy.CaptureDecision;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceConditions;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.HealthRollup;
import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import java.time.Duration;
import java.time.Instant;

/**
 * What a device's open stream reports between facts: when it was last heard, its latest telemetry,
 * the last hour's health, and the upload counters since the last roll-up. In memory only (a device
 * entity that starts afresh knows none of it until the next heartbeat); with the journaled
 * {@link DeviceState} it makes the decision and the summary.
 */
final class DeviceReadings {

  /** Upload counters are journaled at most this often, unless a cap is crossed. */
  static final Duration UPLOAD_ROLLUP_INTERVAL = Duration.ofMinutes(10);

  private Instant lastSeen;
  private DeviceTelemetry telemetry = DeviceTelemetry.UNKNOWN;
  private HealthRollup health = HealthRollup.EMPTY;
  private UploadCounters uploads;
  private Instant lastRollup;

  /** After recovery: the journaled counters are where counting goes on from. */
  void recovered(DeviceState state, Instant now) {
    uploads = state.uploads();
    lastRollup = now;
  }

  Instant lastSeen() {
    return lastSeen;
  }

  /** A stream attached: the device is in contact, though it has said nothing yet. */
  void seen(Instant at) {
    lastSeen = at;
  }

  /** Health from here on belongs to the new version: a rollout compares it with the rest. */
  void policyApplied() {
    health = HealthRollup.EMPTY;
  }

  /**
   * Takes one heartbeat. Returns the counters to journal now (the interval passed, or a cap was
   * crossed, which changes the decision), or null.
   */
  UploadCounters heard(Instant at, DeviceTelemetry reported, DeviceState state) {
    lastSeen = at;
    telemetry = reported;
    health = health.add(at, reported);
    UploadCounters before = current(state).asOf(at, state.zone());
    uploads = before.add(Math.max(0, reported.uploadedBytesDelta()), at, state.zone());
    if (uploads.equals(state.uploads())) {
      return null;
    }
    boolean stale = lastRollup == null || Duration.between(lastRollup, at).compareTo(UPLOAD_ROLLUP_INTERVAL) >= 0;
    Policy target = state.policies().target();
    boolean crossed = target != null && uploads.crossedACapSince(before, target.bandwidth());
    if (!stale && !crossed) {
      return null;
    }
    lastRollup = at;
    return uploads;
  }

  private UploadCounters current(DeviceState state) {
    return uploads == null ? state.uploads() : uploads;
  }

  PausesLeft pausesLeftToday(DeviceState state, Instant now) {
    return state.pause().quota().pausesLeft(state.policies().pauseRules(), now, state.zone());
  }

  /** The pure core's answer for this device now. */
  Decision decide(DeviceState state, Instant now) {
    UploadCounters counted = current(state).asOf(now, state.zone());
    var conditions = new DeviceConditions(
        state.identity().jurisdiction(),
        state.zone(),
        lastSeen,
        state.policies().noticeAcknowledged(),
        state.pause().end(),
        state.exemptions().approved(),
        telemetry,
        counted.bytesToday(),
        counted.bytesThisMonth());
    return CaptureDecision.captureState(state.policies().appliedPolicy(), conditions, now);
  }

  DeviceSummary summary(DeviceState state, Instant now) {
    Decision decision = decide(state, now);
    UploadCounters counted = current(state).asOf(now, state.zone());
    return new DeviceSummary(
        state.identity(),
        state.enrollment().enrollTime(),
        state.policies().targetVersion(),
        state.policies().applied(),
        lastSeen,
        decision.state(),
        decision.reason(),
        telemetry,
        state.pause().start(),
        state.pause().end(),
        pausesLeftToday(state, now),
        state.exemptions().all(),
        counted.bytesToday(),
        counted.bytesThisMonth(),
        health.summary(now),
        state.pause().quota().pausesTaken(now, state.zone()),
        state.credential().status());
  }
}
