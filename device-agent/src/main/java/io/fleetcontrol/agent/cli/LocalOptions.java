package io.fleetcontrol.agent.cli;

import io.fleetcontrol.agent.localapi.LocalSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the agent's state is, for `run` and the employee's commands; unset, the config's value is kept. */
final class LocalOptions {

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "The agent's state directory (cache, token and, unless set apart, the sockets).")
  Path stateDir;

  LocalSettings applyTo(LocalSettings settings) {
    return stateDir != null ? settings.withStateDir(stateDir) : settings;
  }
}
