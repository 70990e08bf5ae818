package io.fleetcontrol.controller.admin;

import io.fleetcontrol.build.BuildInfo;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.proto.v1.GetServerInfoResponse;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * GetServerInfo behind the admin API ({@code fleetctl version}): this node's build, address and
 * start time. All of it is fixed when the node starts, so the answer is built once and asks nothing.
 */
public final class ServerInfoAdmin {

  private final GetServerInfoResponse info;

  public ServerInfoAdmin(BuildInfo build, String nodeAddress, Instant startTime, String javaVersion) {
    this.info = GetServerInfoResponse.newBuilder()
        .setVersion(build.version())
        .setApiVersion(build.apiVersion())
        .setNodeAddress(nodeAddress)
        .setStartTime(ProtoMapping.toProto(startTime))
        .setJavaVersion(javaVersion)
        .build();
  }

  /**
   * The node that {@code system} runs: its address is the cluster's name for it (the one in
   * /metrics and the cluster's member list), its start the actor system's.
   */
  public static ServerInfoAdmin of(ActorSystem<?> system) {
    return new ServerInfoAdmin(BuildInfo.current(), system.address().toString(),
        Instant.ofEpochMilli(system.startTime()), Runtime.version().toString());
  }

  public CompletionStage<GetServerInfoResponse> info() {
    return CompletableFuture.completedFuture(info);
  }
}
