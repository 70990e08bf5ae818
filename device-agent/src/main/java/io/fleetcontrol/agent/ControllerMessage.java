package io.fleetcontrol.agent;

/** What the controller says down the Connect stream, free of the wire format. */
sealed interface ControllerMessage {

  /** The effective policy for this device; the agent applies it and acks its version. */
  record PolicyReceived(AgentPolicy policy) implements ControllerMessage {}

  /** The controller's answer to an upward request, sent once the fact is persisted. */
  record RequestAnswered(String requestId, boolean accepted, String message) implements ControllerMessage {}

  /** Pause and exemption updates: the employee CLI and the local gate will use them. */
  record NotYetHandled(String kind) implements ControllerMessage {}
}
