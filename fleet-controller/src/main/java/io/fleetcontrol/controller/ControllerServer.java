package io.fleetcontrol.controller;

import io.fleetcontrol.proto.v1.AdminService;
import io.fleetcontrol.proto.v1.AdminServicePowerApiHandlerFactory;
import io.fleetcontrol.proto.v1.AgentService;
import io.fleetcontrol.proto.v1.AgentServicePowerApiHandlerFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.ServerReflection;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the agent and admin services, with server reflection, on one gRPC port. */
final class ControllerServer {

  private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);

  private ControllerServer() {}

  static CompletionStage<ServerBinding> start(
      String host, int port, ActorSystem<?> system, AgentServiceImpl agents, AdminServiceImpl admin) {
    @SuppressWarnings("unchecked")
    Function<HttpRequest, CompletionStage<HttpResponse>> service =
        ServiceHandler.concatOrNotFound(
            AgentServicePowerApiHandlerFactory.partial(agents, AgentService.name, system),
            AdminServicePowerApiHandlerFactory.partial(admin, AdminService.name, system),
            ServerReflection.create(List.of(AgentService.description, AdminService.description), system));
    return Http.get(system)
        .newServerAt(host, port)
        .bind(service)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system))
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                log.error("gRPC server could not bind {}:{}", host, port, failure);
              } else {
                log.info("gRPC server listening on {}", binding.localAddress());
              }
            });
  }
}
