package io.fleetcontrol.controller.grpc;

import io.fleetcontrol.controller.security.ControllerSecurity;
import io.fleetcontrol.grpcedge.GrpcFailures;
import io.fleetcontrol.grpcedge.GrpcMessageLimit;
import io.fleetcontrol.proto.v1.AdminService;
import io.fleetcontrol.proto.v1.AdminServicePowerApiHandlerFactory;
import io.fleetcontrol.proto.v1.AgentService;
import io.fleetcontrol.proto.v1.AgentServicePowerApiHandlerFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.javadsl.ServerReflection;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the agent and admin services, with server reflection, on one gRPC port, over TLS. */
public final class ControllerServer {

  private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
  /** The caller's address, stamped on every request here; one a client sent is dropped first. */
  static final String PEER_HEADER = "x-fleet-peer-address";
  static final String MAX_MESSAGE_BYTES_SETTING = "fleet.grpc.max-message-bytes";

  private ControllerServer() {}

  /** {@code tls} empty: plaintext, which ControllerSecurity allows in dev mode on loopback only. */
  public static CompletionStage<ServerBinding> start(String host, int port, Optional<SSLContext> tls,
      ActorSystem<?> system, AgentServiceImpl agents, AdminServiceImpl admin) {
    Materializer materializer = SystemMaterializer.get(system).materializer();
    @SuppressWarnings("unchecked")
    Function<HttpRequest, CompletionStage<HttpResponse>> service =
        ServiceHandler.concatOrNotFound(
            AgentServicePowerApiHandlerFactory.partial(agents, AgentService.name, materializer, GrpcFailures.mapper(), system),
            AdminServicePowerApiHandlerFactory.partial(admin, AdminService.name, materializer, GrpcFailures.mapper(), system),
            ServerReflection.create(List.of(AgentService.description, AdminService.description), system));
    GrpcMessageLimit limit = new GrpcMessageLimit(
        Math.toIntExact(system.settings().config().getBytes(MAX_MESSAGE_BYTES_SETTING)), MAX_MESSAGE_BYTES_SETTING);
    Function<HttpRequest, CompletionStage<HttpResponse>> stamped =
        limit.guard(request -> service.apply(withPeer(request)));
    var server = Http.get(system).newServerAt(host, port);
    if (tls.isPresent()) {
      server = server.enableHttps(ConnectionContext.httpsServer(tls.get()));
    }
    return server
        .bind(stamped)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system))
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                log.error("gRPC server could not bind {}:{}", host, port, failure);
              } else {
                log.info("gRPC server listening on {} ({})", binding.localAddress(),
                    tls.isPresent() ? "TLS" : "PLAINTEXT, dev mode on loopback");
              }
            });
  }

  private static HttpRequest withPeer(HttpRequest request) {
    String peer = request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(remote -> remote.getAddress().map(address -> address.getHostAddress() + ":" + remote.getPort()))
        .orElse("unknown");
    return request.removeHeader(PEER_HEADER).addHeader(RawHeader.create(PEER_HEADER, peer));
  }
}
