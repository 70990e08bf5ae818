package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * An approved exemption the decision must honour. Requested, denied and revoked exemptions live
 * in the device entity; only approved, unexpired ones reach the decision.
 */
public record Exemption(String exemptionId, Scope scope, Instant expiresAt) {

  public enum Scope {
    /** No capture at all. */
    FULL,
    NO_SCREENSHOTS,
    NO_KEYSTROKES
  }

  public boolean activeAt(Instant now) {
    return expiresAt == null || now.isBefore(expiresAt);
  }
}
