package io.fleetcontrol.agent.state;

/**
 * The controller's answer to an employee's request, given once the fact is persisted.
 *
 * @param message why it was refused, in plain words; empty when accepted
 */
public record RequestOutcome(boolean accepted, String message) {}
