package io.fleetcontrol.agent.localapi;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * Where this laptop's agent keeps its state and serves its local API and sockets, from
 * {@code fleet.agent}.
 *
 * @param stateDir holds the cache of the policy, the local API token and, unless set apart, the sockets
 * @param employeeUser the one account whose calls the employee socket answers
 * @param employeeSocketOrNull where the employee socket is, when not in the state directory
 */
public record LocalSettings(Path stateDir, String localApiHost, int localApiPort, String employeeUser,
    Path employeeSocketOrNull) {

  public static LocalSettings fromConfig(Config root) {
    Config agent = root.getConfig("fleet.agent");
    String user = agent.getString("employee.user");
    String socket = agent.getString("employee.socket");
    return new LocalSettings(
        Path.of(agent.getString("state-dir")),
        agent.getString("local-api.host"),
        agent.getInt("local-api.port"),
        user.isBlank() ? System.getProperty("user.name") : user.strip(),
        socket.isBlank() ? null : Path.of(socket));
  }

  public Path cacheFile() {
    return stateDir.resolve("cache.bin");
  }

  public Path tokenFile() {
    return stateDir.resolve("local-api.token");
  }

  /** The gate's fast path for capture tools (a Unix domain socket). */
  public Path gateSocket() {
    return stateDir.resolve("gate.sock");
  }

  /** The employee's controls (a Unix domain socket answering {@link #employeeUser} only). */
  public Path employeeSocket() {
    return employeeSocketOrNull != null ? employeeSocketOrNull : stateDir.resolve("employee.sock");
  }

  public LocalSettings withStateDir(Path dir) {
    return new LocalSettings(dir, localApiHost, localApiPort, employeeUser, employeeSocketOrNull);
  }

  public LocalSettings withLocalApiPort(int port) {
    return new LocalSettings(stateDir, localApiHost, port, employeeUser, employeeSocketOrNull);
  }
}
