package io.fleetcontrol.agent;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;

/** Creates gRPC clients for AgentService; each owns one HTTP/2 connection. */
public final class AgentClients {

  private AgentClients() {}

  public static AgentServiceClient create(ActorSystem<?> system, ControllerAddress controller) {
    GrpcClientSettings settings =
        GrpcClientSettings.connectToServiceAt(controller.host(), controller.port(), system)
            .withTls(controller.useTls())
            // The default (20) closes the channel for good during a long controller outage;
            // the agents' own backoff decides when to try again.
            .withConnectionAttempts(-1);
    return AgentServiceClient.create(settings, system);
  }
}
