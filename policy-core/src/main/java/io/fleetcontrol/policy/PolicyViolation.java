package io.fleetcontrol.policy;

/** One broken rule of a policy document: the field (proto snake_case path) and what is wrong. */
public record PolicyViolation(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
