package io.fleetcontrol.fleetctl;

/** Values of {@code -o/--output}; lower-case so help and completion show them as users type them. */
enum OutputFormat {
  table,
  json,
  yaml
}
