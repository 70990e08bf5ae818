package io.fleetcontrol.agent.link;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.agent.state.ActivePause;
import io.fleetcontrol.policy.Policy;
import java.util.List;
import java.util.Optional;

/** What the controller says down the Connect stream, free of the wire format. */
public sealed interface ControllerMessage {

  /**
   * The effective policy for this device; the agent applies it and acks its version. {@code problems}
   * names what this agent could not read (a newer controller's enum value, say): such a policy is not
   * applied, and the gate stays closed until one it can read arrives.
   */
  record PolicyReceived(Policy policy, List<String> problems) implements ControllerMessage {}

  /** On connect and whenever a pause starts or ends, on time included. */
  record PauseReceived(Optional<ActivePause> activePause, PausesLeft pausesLeftToday) implements ControllerMessage {}

  /** On connect and whenever one of this device's exemptions changes: all of them, not a delta. */
  record ExemptionsReceived(List<ExemptionRecord> exemptions) implements ControllerMessage {}

  /** The controller's answer to an upward request, sent once the fact is persisted. */
  record RequestAnswered(String requestId, boolean accepted, String message) implements ControllerMessage {}

  /** Send a heartbeat now: the controller lost what this device said while one of its nodes went away. */
  record HeartbeatWanted() implements ControllerMessage {}

  /** A message newer than this agent; it goes on without it. */
  record Unrecognized(String kind) implements ControllerMessage {}
}
