package io.fleetcontrol.agent;

import picocli.CommandLine.Option;

/** Flags both commands share for reaching the controller; unset flags keep the config's values. */
final class ControllerOptions {

  @Option(names = "--server", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Controller address, or the addresses of several nodes of one cluster.")
  String server;

  @Option(names = "--tls", negatable = true, description = "Use TLS to the controller.")
  Boolean tls;

  @Option(names = "--enrollment-token", paramLabel = "TOKEN", description = "One-time enrollment token.")
  String enrollmentToken;

  AgentSettings applyTo(AgentSettings settings) {
    AgentSettings result = settings;
    boolean useTls = tls != null ? tls : settings.controller().useTls();
    if (server != null) {
      result = result.withControllers(ControllerAddress.parseList(server, useTls));
    } else if (tls != null) {
      result = result.withControllers(settings.controllers().stream()
          .map(c -> new ControllerAddress(c.host(), c.port(), useTls)).toList());
    }
    if (enrollmentToken != null) {
      result = result.withEnrollmentToken(enrollmentToken);
    }
    return result;
  }
}
