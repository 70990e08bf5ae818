package io.fleetcontrol.agent.state;

/**
 * A request that will get no answer from the controller: the agent stopped or was rejected, or the
 * connection dropped after the request went up, so the controller may or may not have taken it.
 */
public final class RequestUnansweredException extends RuntimeException {

  RequestUnansweredException(String message) {
    super(message);
  }
}
