package io.fleetcontrol.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy document that breaks rules; the message names every broken field ("name: ...; ..."). */
public final class InvalidPolicyException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<PolicyViolation> violations;

  public InvalidPolicyException(List<PolicyViolation> violations) {
    super(violations.stream().map(PolicyViolation::toString).collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  public List<PolicyViolation> violations() {
    return violations;
  }
}
