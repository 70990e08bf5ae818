package io.fleetcontrol.agent.cli;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.link.ControllerAddress;
import picocli.CommandLine.Option;

/** Flags both commands share for reaching the controller; unset flags keep the config's values. */
final class ControllerOptions {

  @Option(names = "--server", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Controller address, or the addresses of several nodes of one cluster.")
  String server;

  @Option(names = "--tls", negatable = true,
      description = "TLS to the controller (the default); --no-tls only for a dev controller on loopback.")
  Boolean tls;

  @Option(names = "--ca-file", paramLabel = "FILE",
      description = "PEM CA the controller's certificate must chain to (else FLEET_CONTROLLER_CA, else the system's).")
  java.nio.file.Path caFile;

  @Option(names = "--enrollment-token", paramLabel = "TOKEN", description = "One-time enrollment token.")
  String enrollmentToken;

  AgentSettings applyTo(AgentSettings settings) {
    AgentSettings result = settings;
    boolean useTls = tls != null ? tls : settings.controller().useTls();
    java.nio.file.Path ca = caFile != null ? caFile : settings.controller().caFile();
    if (server != null) {
      result = result.withControllers(ControllerAddress.parseList(server, useTls, ca));
    } else if (tls != null || caFile != null) {
      result = result.withControllers(settings.controllers().stream()
          .map(c -> new ControllerAddress(c.host(), c.port(), useTls, ca)).toList());
    }
    if (enrollmentToken != null) {
      result = result.withEnrollmentToken(enrollmentToken);
    }
    return result;
  }
}
