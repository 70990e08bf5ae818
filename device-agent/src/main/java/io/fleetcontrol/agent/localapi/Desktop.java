package io.fleetcontrol.agent.localapi;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** The employee's desktop programs the agent may hand things to (xdg-open, notify-send). */
public final class Desktop {

  private Desktop() {}

  /** {@code program} as the PATH finds it; empty where there is none (a server, a bare terminal). */
  public static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
