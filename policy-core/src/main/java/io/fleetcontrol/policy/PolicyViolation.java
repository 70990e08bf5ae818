package io.fleetcontrol.policy;

/**
 * One broken rule of a policy document.
 *
 * @param field the proto field path in snake_case ("allowlist[3].pattern"), so an API error can name it
 * @param message what is wrong, in plain words
 */
public record PolicyViolation(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
