package io.fleetcontrol.agent.localapi;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * Where this laptop's agent keeps its state and serves its local API, from {@code fleet.agent}.
 *
 * @param stateDir holds the cache of the policy and the local API token
 */
public record LocalSettings(Path stateDir, String localApiHost, int localApiPort) {

  public static LocalSettings fromConfig(Config root) {
    Config agent = root.getConfig("fleet.agent");
    return new LocalSettings(
        Path.of(agent.getString("state-dir")),
        agent.getString("local-api.host"),
        agent.getInt("local-api.port"));
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

  public LocalSettings withStateDir(Path dir) {
    return new LocalSettings(dir, localApiHost, localApiPort);
  }

  public LocalSettings withLocalApiPort(int port) {
    return new LocalSettings(stateDir, localApiHost, port);
  }
}
