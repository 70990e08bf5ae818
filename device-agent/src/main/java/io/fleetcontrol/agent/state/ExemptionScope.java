package io.fleetcontrol.agent.state;

/** What an exemption takes out of capture. */
public enum ExemptionScope {
  /** No capture at all. */
  FULL,
  /** Everything the policy allows except screenshots. */
  NO_SCREENSHOTS,
  /** Everything the policy allows except keystrokes. */
  NO_KEYSTROKES
}
