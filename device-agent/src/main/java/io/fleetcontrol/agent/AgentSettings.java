package io.fleetcontrol.agent;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one agent needs to know before it talks to the controller. Built from the
 * {@code fleet.agent} config block; the CLI and the simulator adjust copies with the {@code with*} methods.
 */
public record AgentSettings(
    ControllerAddress controller,
    String enrollmentToken,
    DeviceIdentity identity,
    String agentVersion,
    Duration defaultHeartbeatInterval,
    ReconnectBackoff backoff) {

  /** Reads {@code fleet.agent} from a full config such as {@code system.settings().config()}. */
  public static AgentSettings fromConfig(Config root) {
    Config agent = root.getConfig("fleet.agent");
    Config controller = agent.getConfig("controller");
    Config reconnect = agent.getConfig("reconnect");
    String timeZone = agent.getString("time-zone");
    return new AgentSettings(
        new ControllerAddress(
            controller.getString("host"), controller.getInt("port"), controller.getBoolean("use-tls")),
        agent.getString("enrollment-token"),
        new DeviceIdentity(
            agent.getString("device-id"),
            agent.getString("owner"),
            agent.getString("jurisdiction"),
            labels(agent.getConfig("labels")),
            timeZone.isEmpty() ? ZoneId.systemDefault().getId() : timeZone),
        agent.getString("agent-version"),
        agent.getDuration("heartbeat-interval"),
        new ReconnectBackoff(
            reconnect.getDuration("min-backoff"),
            reconnect.getDuration("max-backoff"),
            reconnect.getDuration("reset-after")));
  }

  private static Map<String, String> labels(Config labels) {
    Map<String, String> result = new TreeMap<>();
    labels.entrySet().forEach(e -> result.put(e.getKey(), labels.getString(e.getKey())));
    return result;
  }

  public AgentSettings withController(ControllerAddress newController) {
    return new AgentSettings(
        newController, enrollmentToken, identity, agentVersion, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withEnrollmentToken(String token) {
    return new AgentSettings(controller, token, identity, agentVersion, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withIdentity(DeviceIdentity newIdentity) {
    return new AgentSettings(
        controller, enrollmentToken, newIdentity, agentVersion, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withAgentVersion(String version) {
    return new AgentSettings(controller, enrollmentToken, identity, version, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withBackoff(ReconnectBackoff newBackoff) {
    return new AgentSettings(
        controller, enrollmentToken, identity, agentVersion, defaultHeartbeatInterval, newBackoff);
  }
}
