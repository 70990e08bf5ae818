package io.fleetcontrol.agent.cli;

import io.fleetcontrol.agent.localapi.LocalSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Flags for where the agent's state and local API are; unset flags keep the config's values. */
final class LocalOptions {

  @Option(names = "--state-dir", paramLabel = "DIR", description = "The agent's state directory (cache, token).")
  Path stateDir;

  @Option(names = "--local-port", paramLabel = "PORT", description = "Port of the agent's local API on 127.0.0.1.")
  Integer localPort;

  LocalSettings applyTo(LocalSettings settings) {
    LocalSettings result = settings;
    if (stateDir != null) {
      result = result.withStateDir(stateDir);
    }
    if (localPort != null) {
      result = result.withLocalApiPort(localPort);
    }
    return result;
  }
}
