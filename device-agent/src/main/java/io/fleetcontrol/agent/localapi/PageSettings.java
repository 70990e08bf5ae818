package io.fleetcontrol.agent.localapi;

import com.typesafe.config.Config;

/**
 * Whether and where the agent serves the {@link EmployeePage}, from {@code fleet.agent.page}.
 *
 * @param port on 127.0.0.1; 0: any free port (`fleet-agent page` asks the agent which)
 */
public record PageSettings(boolean enabled, int port) {

  public static PageSettings fromConfig(Config root) {
    Config page = root.getConfig("fleet.agent.page");
    return new PageSettings(page.getBoolean("enabled"), page.getInt("port"));
  }
}
