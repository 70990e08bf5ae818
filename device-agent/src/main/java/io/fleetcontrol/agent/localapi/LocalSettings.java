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
 * @param gateSocketOrNull where the gate socket is, when not in the state directory
 * @param gateGroup the group that may ask the gate besides this account; empty: none
 */
public record LocalSettings(Path stateDir, String localApiHost, int localApiPort, String employeeUser,
    Path employeeSocketOrNull, Path gateSocketOrNull, String gateGroup) {

  public static LocalSettings fromConfig(Config root) {
    Config agent = root.getConfig("fleet.agent");
    String user = agent.getString("employee.user");
    return new LocalSettings(
        Path.of(agent.getString("state-dir")),
        agent.getString("local-api.host"),
        agent.getInt("local-api.port"),
        user.isBlank() ? System.getProperty("user.name") : user.strip(),
        pathOrNull(agent.getString("employee.socket")),
        pathOrNull(agent.getString("gate.socket")),
        agent.getString("gate.group").strip());
  }

  private static Path pathOrNull(String setting) {
    return setting.isBlank() ? null : Path.of(setting.strip());
  }

  public Path cacheFile() {
    return stateDir.resolve("cache.bin");
  }

  public Path tokenFile() {
    return stateDir.resolve("local-api.token");
  }

  /** The gate's fast path for capture tools (a Unix domain socket). */
  public Path gateSocket() {
    return gateSocketOrNull != null ? gateSocketOrNull : stateDir.resolve("gate.sock");
  }

  /** Where the system-wide agent (deploy/agent/fleet-agent-system.service) serves the employee. */
  public static final Path SYSTEM_EMPLOYEE_SOCKET = Path.of("/run/fleet-agent/employee.sock");

  /** The employee's controls (a Unix domain socket answering {@link #employeeUser} only). */
  public Path employeeSocket() {
    return employeeSocketOrNull != null ? employeeSocketOrNull : stateDir.resolve("employee.sock");
  }

  /**
   * The socket the employee's commands call: the one set, or this user's agent's, or else the
   * system-wide agent's, so that `fleet-agent status` needs no setting in either mode.
   */
  public Path employeeSocketToCall() {
    Path own = employeeSocket();
    if (employeeSocketOrNull == null && !java.nio.file.Files.exists(own)
        && java.nio.file.Files.exists(SYSTEM_EMPLOYEE_SOCKET)) {
      return SYSTEM_EMPLOYEE_SOCKET;
    }
    return own;
  }

  public LocalSettings withStateDir(Path dir) {
    return new LocalSettings(dir, localApiHost, localApiPort, employeeUser, employeeSocketOrNull, gateSocketOrNull,
        gateGroup);
  }

  public LocalSettings withLocalApiPort(int port) {
    return new LocalSettings(stateDir, localApiHost, port, employeeUser, employeeSocketOrNull, gateSocketOrNull,
        gateGroup);
  }
}
