package io.fleetcontrol.agent.gate;

import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.CaptureDecision;
import io.fleetcontrol.policy.CaptureRequest;
import io.fleetcontrol.policy.CompiledPolicy;
import io.fleetcontrol.policy.Decision;
import io.fleetcontrol.policy.DeviceConditions;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gate a capture tool on this laptop must ask: may I capture kind K in app A or on site S now?
 * Answers come from the shared {@link CaptureDecision} on the policy the agent holds, with no
 * network call, so they hold offline, until the offline limit closes the gate. Safe from any
 * thread: the agent publishes an immutable view after every change and calls read the latest.
 */
public final class CaptureGate {

  private final Clock clock;
  private final String jurisdiction;
  private final ZoneId zone;
  private final UploadMeter uploadsSinceHeartbeat;
  private final AtomicReference<UploadCounters> uploads;
  private volatile View view;

  public CaptureGate(
      Clock clock, String jurisdiction, ZoneId zone, UploadCounters restoredUploads, UploadMeter uploadsSinceHeartbeat) {
    this.clock = clock;
    this.jurisdiction = jurisdiction;
    this.zone = zone;
    this.uploadsSinceHeartbeat = uploadsSinceHeartbeat;
    this.uploads = new AtomicReference<>(restoredUploads);
    this.view = new View(null, AgentState.EMPTY, false, DeviceTelemetry.UNKNOWN, List.of());
  }

  /** May this capture happen now? */
  public Decision check(CaptureRequest request) {
    Instant now = clock.instant();
    View current = view;
    if (current.compiled == null) {
      return CaptureDecision.decide(null, null, now, request);
    }
    return current.compiled.decide(conditions(current, now), now, request);
  }

  /** May capture run at all now, and if not, why. */
  public Decision captureState() {
    Instant now = clock.instant();
    View current = view;
    if (current.compiled == null) {
      return CaptureDecision.captureState(null, null, now);
    }
    return current.compiled.captureState(conditions(current, now), now);
  }

  /**
   * The capture tool uploaded {@code bytes}: they count toward today's and this month's caps here
   * at once, and go to the controller with the next heartbeat.
   *
   * @throws IllegalArgumentException when {@code bytes} is negative
   */
  public UploadCounters reportUpload(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("uploaded bytes cannot be negative: " + bytes);
    }
    Instant now = clock.instant();
    uploadsSinceHeartbeat.record(bytes);
    return uploads.updateAndGet(c -> c.add(bytes, now, zone));
  }

  /** Today's and this month's uploads in the device's zone. */
  public UploadCounters uploads() {
    return uploads.get().asOf(clock.instant(), zone);
  }

  /** The policy version the gate decides on; 0 when none. */
  public long policyVersion() {
    return view.state.policyVersion();
  }

  /** Bytes reported since the last heartbeat took them. */
  UploadMeter uploadMeter() {
    return uploadsSinceHeartbeat;
  }

  /** Called by the agent actor after every change; compiles the policy only when it changed. */
  public void show(AgentState state, boolean connected, DeviceTelemetry telemetry) {
    View before = view;
    CompiledPolicy compiled =
        state.policy() == null
            ? null
            : before.compiled != null && before.compiled.policy() == state.policy()
                ? before.compiled
                : CaptureDecision.compile(state.policy());
    view = new View(compiled, state, connected, telemetry, approvedExemptions(state));
  }

  private DeviceConditions conditions(View current, Instant now) {
    UploadCounters counted = uploads.get().asOf(now, zone);
    AgentState state = current.state;
    return new DeviceConditions(
        jurisdiction,
        zone,
        // While the stream is up the controller is in reach now; offline, the limit runs from the last word.
        current.connected ? now : state.lastControllerContact(),
        state.noticeAcknowledged(),
        state.pauseEnd(),
        current.exemptions,
        current.telemetry,
        counted.bytesToday(),
        counted.bytesThisMonth());
  }

  private static List<Exemption> approvedExemptions(AgentState state) {
    return state.controls().exemptions().stream()
        .filter(e -> e.status() == ExemptionStatus.APPROVED)
        .map(e -> new Exemption(e.exemptionId(), ExemptionScope.valueOf(e.scope().name()), e.expireTime()))
        .toList();
  }

  /** Everything a decision reads, replaced whole so a reader never sees half a change. */
  private record View(
      CompiledPolicy compiled,
      AgentState state,
      boolean connected,
      DeviceTelemetry telemetry,
      List<Exemption> exemptions) {}

  /** Kept so tests and the status page can say which policy object the gate holds. */
  Policy policy() {
    return view.state.policy();
  }

  AgentState state() {
    return view.state;
  }

  /** Battery, network and the agent's own numbers from the last heartbeat. */
  public DeviceTelemetry telemetry() {
    return view.telemetry;
  }
}
