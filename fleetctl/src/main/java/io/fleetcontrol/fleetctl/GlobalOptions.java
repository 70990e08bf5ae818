package io.fleetcontrol.fleetctl;

import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes. INHERIT scope lets them go before or after the verb:
 * {@code fleetctl -o json devices list} and {@code fleetctl devices list -o json} both work.
 */
final class GlobalOptions {

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      defaultValue = "${env:FLEET_SERVER:-127.0.0.1:8080}",
      converter = ServerAddress.Converter.class,
      description = "Control plane address (env FLEET_SERVER; default: ${DEFAULT-VALUE}).")
  ServerAddress server;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      paramLabel = "TOKEN",
      defaultValue = "${env:FLEET_TOKEN}",
      description = "Admin token, sent as 'authorization: Bearer TOKEN' (env FLEET_TOKEN).")
  String token;

  @Option(
      names = {"-o", "--output"},
      scope = ScopeType.INHERIT,
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Deadline for each call, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** An empty FLEET_TOKEN counts as no token, so nothing is sent rather than "Bearer ". */
  String tokenOrNull() {
    return token == null || token.isBlank() ? null : token;
  }
}
