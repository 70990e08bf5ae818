package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * An approved exemption the decision must honour. The whole life of one is an
 * {@link ExemptionRecord}; only approved, unexpired ones reach the decision.
 */
public record Exemption(String exemptionId, ExemptionScope scope, Instant expiresAt) {

  public boolean activeAt(Instant now) {
    return expiresAt == null || now.isBefore(expiresAt);
  }
}
