package io.fleetcontrol.policy;

/** The answer of {@link CaptureDecision}: a state and, in plain words, why. */
public record Decision(CaptureState state, String reason) {

  public boolean allowed() {
    return state == CaptureState.ACTIVE;
  }
}
