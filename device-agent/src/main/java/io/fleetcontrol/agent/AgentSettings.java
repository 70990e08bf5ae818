package io.fleetcontrol.agent;

import io.fleetcontrol.policy.DeviceIdentity;
import com.typesafe.config.Config;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.agent.link.ReconnectBackoff;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one agent needs to know before it talks to the controller. Built from the
 * {@code fleet.agent} config block; the CLI and the simulator adjust copies with the {@code with*} methods.
 */
public record AgentSettings(
    List<ControllerAddress> controllers,
    String enrollmentToken,
    DeviceIdentity identity,
    Duration defaultHeartbeatInterval,
    ReconnectBackoff backoff) {

  /** Reads {@code fleet.agent} from a full config such as {@code system.settings().config()}. */
  public static AgentSettings fromConfig(Config root) {
    Config agent = root.getConfig("fleet.agent");
    Config controller = agent.getConfig("controller");
    Config reconnect = agent.getConfig("reconnect");
    String timeZone = agent.getString("time-zone");
    boolean useTls = controller.getBoolean("use-tls");
    String ca = controller.getString("ca-file");
    java.nio.file.Path caFile = ca.isBlank() ? null : java.nio.file.Path.of(ca);
    String addresses = controller.getString("addresses");
    return new AgentSettings(
        addresses.isBlank()
            ? List.of(new ControllerAddress(controller.getString("host"), controller.getInt("port"), useTls, caFile))
            : ControllerAddress.parseList(addresses, useTls, caFile),
        agent.getString("enrollment-token"),
        new DeviceIdentity(
            agent.getString("device-id"),
            agent.getString("owner"),
            agent.getString("jurisdiction"),
            labels(agent.getConfig("labels")),
            agent.getString("agent-version"),
            timeZone.isEmpty() ? ZoneId.systemDefault().getId() : timeZone),
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

  public AgentSettings {
    controllers = List.copyOf(controllers);
    if (controllers.isEmpty()) {
      throw new IllegalArgumentException("at least one controller address is needed");
    }
  }

  /** The first controller address; the agent may use any of {@link #controllers()}. */
  public ControllerAddress controller() {
    return controllers.get(0);
  }

  public AgentSettings withController(ControllerAddress newController) {
    return withControllers(List.of(newController));
  }

  /** Several nodes of one cluster: streams spread over them and move to a live one when theirs dies. */
  public AgentSettings withControllers(List<ControllerAddress> newControllers) {
    return new AgentSettings(
        newControllers, enrollmentToken, identity, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withEnrollmentToken(String token) {
    return new AgentSettings(controllers, token, identity, defaultHeartbeatInterval, backoff);
  }

  public AgentSettings withIdentity(DeviceIdentity newIdentity) {
    return new AgentSettings(
        controllers, enrollmentToken, newIdentity, defaultHeartbeatInterval, backoff);
  }

  /** What this agent reports as its version, at enrollment and in heartbeats. */
  public String agentVersion() {
    return identity.agentVersion();
  }

  public AgentSettings withAgentVersion(String version) {
    return withIdentity(identity.withAgentVersion(version));
  }

  public AgentSettings withBackoff(ReconnectBackoff newBackoff) {
    return new AgentSettings(
        controllers, enrollmentToken, identity, defaultHeartbeatInterval, newBackoff);
  }
}
