package io.fleetcontrol.agent;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

/**
 * A running agent for one device: enrolls, holds the Connect stream, applies policy, heartbeats.
 * The getters read a snapshot and are safe from any thread.
 */
public final class DeviceAgent {

  private static final AtomicLong instances = new AtomicLong();

  private final String deviceId;
  private final ActorRef<DeviceAgentBehavior.Command> actor;
  private final AgentStatusBoard board;

  private DeviceAgent(String deviceId, ActorRef<DeviceAgentBehavior.Command> actor, AgentStatusBoard board) {
    this.deviceId = deviceId;
    this.actor = actor;
    this.board = board;
  }

  /**
   * Starts the agent at once. The client may be shared with other agents; the caller owns and closes it.
   */
  public static DeviceAgent start(
      ActorSystem<?> system, AgentSettings settings, AgentServiceClient client, TelemetrySource telemetry) {
    AgentStatusBoard board = new AgentStatusBoard();
    String deviceId = settings.identity().deviceId();
    // Actor names must be unique; two agents may claim the same device id (that is the controller's call).
    String name =
        "device-agent-" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8) + "-" + instances.incrementAndGet();
    ActorRef<DeviceAgentBehavior.Command> actor =
        system.systemActorOf(
            DeviceAgentBehavior.create(settings, client, telemetry, board, new Random(), Clock.systemUTC()),
            name,
            Props.empty());
    return new DeviceAgent(deviceId, actor, board);
  }

  public String deviceId() {
    return deviceId;
  }

  public ConnectionStatus status() {
    return board.status();
  }

  /** Version of the policy in force on this agent; 0 before the first policy arrives. */
  public long appliedPolicyVersion() {
    return board.appliedVersion();
  }

  /** Policy updates applied since start, re-sends of the same version included. */
  public int policyUpdatesReceived() {
    return board.policyUpdates();
  }

  /** Why the agent last lost or gave up its connection; empty if it never did. */
  public String lastProblem() {
    return board.lastProblem();
  }

  /** Completes when this exact version is in force (at once if it already is). */
  public CompletionStage<Long> whenPolicyApplied(long version) {
    return board.whenApplied(version);
  }

  /** Closes the stream and stops; status() turns STOPPED shortly after. */
  public void stop() {
    actor.tell(DeviceAgentBehavior.Stop.INSTANCE);
  }

  @Override
  public String toString() {
    return deviceId + " " + status() + " v" + appliedPolicyVersion();
  }
}
