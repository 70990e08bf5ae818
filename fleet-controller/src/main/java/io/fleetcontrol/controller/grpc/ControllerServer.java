package io.fleetcontrol.controller.grpc;

import com.google.protobuf.Descriptors;
import com.typesafe.config.Config;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.proto.v1.AdminService;
import io.fleetcontrol.proto.v1.AdminServicePowerApi;
import io.fleetcontrol.proto.v1.AgentService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.DecompressorRegistry;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the agent and admin services, with server reflection, on one gRPC port over TLS, on
 * grpc-java's Netty server (see {@link ServiceBinding} for why not pekko-http). The connection rules
 * (idle and handshake timeouts, pings, streams per connection, the reset-flood cut-off, the
 * connection cap) are {@code fleet.grpc.connections} in application.conf.
 */
public final class ControllerServer {

  private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
  /** The caller's address, stamped on every request here; one a client sent is dropped first. */
  static final String PEER_HEADER = "x-fleet-peer-address";
  private static final Metadata.Key<String> PEER = Metadata.Key.of(PEER_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  /** Agents' calls only tell actors and never block: they run on the connection's own thread, saving a hop. */
  private static final Executor ON_THE_CONNECTION = Runnable::run;

  private final Server server;

  private ControllerServer(Server server) {
    this.server = server;
  }

  /** {@code tls} empty: plaintext, which ControllerSecurity allows in dev mode on loopback only. */
  public static ControllerServer start(String host, int port, Optional<KeyManagerFactory> tls, ActorSystem<?> system,
      AgentServiceImpl agents, AdminServiceImpl admin, FleetMetrics metrics) {
    Config grpc = system.settings().config().getConfig("fleet.grpc");
    Config connections = grpc.getConfig("connections");
    var open = new ConnectionAdmission(connections.getInt("max-connections"));
    ServerInterceptor[] edge = {open, new StampedHeaders()};
    // grpc.health.v1: SERVING once this node serves calls, NOT_SERVING from the start of its shutdown.
    var health = new HealthStatusManager();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(ServerInterceptors.intercept(agents.definition(), edge))
        .addService(ServerInterceptors.intercept(ServerInterceptors.intercept(
            ServiceBinding.bind(service(AdminService.description), AdminServicePowerApi.class, admin),
            new AdminAccessLog()), edge))
        .addService(ProtoReflectionService.newInstance())
        .addService(health.getHealthService())
        // Outermost, so calls refused at the edge (connection cap, auth) are counted too.
        .intercept(metrics.grpcInterceptor())
        .addTransportFilter(open)
        .executor(system.executionContext())
        .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
          @Override
          public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
            return AgentService.name.equals(call.getMethodDescriptor().getServiceName()) ? ON_THE_CONNECTION : null;
          }
        })
        .maxInboundMessageSize(Math.toIntExact(grpc.getBytes("max-message-bytes")))
        // None of our clients compress; a small gzip bomb is refused (UNIMPLEMENTED) rather than inflated.
        .decompressorRegistry(DecompressorRegistry.emptyInstance())
        .maxConcurrentCallsPerConnection(connections.getInt("max-concurrent-streams"))
        .maxConnectionIdle(millis(connections, "idle-timeout"), TimeUnit.MILLISECONDS)
        .handshakeTimeout(millis(connections, "handshake-timeout"), TimeUnit.MILLISECONDS)
        .keepAliveTime(millis(connections, "ping-interval"), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(millis(connections, "ping-timeout"), TimeUnit.MILLISECONDS)
        .maxRstFramesPerWindow(connections.getInt("max-resets-per-second"), 1);
    if (tls.isPresent()) {
      try {
        // The caching factory keeps OpenSSL from re-encoding the key on every handshake (reconnect storms).
        builder.sslContext(GrpcSslContexts.configure(
            SslContextBuilder.forServer(new OpenSslCachingX509KeyManagerFactory(tls.get()))).build());
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalStateException("fleet.grpc.tls: the key and certificate cannot serve TLS: " + e.getMessage(), e);
      }
    }
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException e) {
      log.error("gRPC server could not bind {}:{}", host, port, e);
      throw new UncheckedIOException("gRPC server could not bind " + host + ":" + port, e);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, HealthCheckResponse.ServingStatus.SERVING);
    GrpcServing.get(system).bound();
    log.info("gRPC server listening on {} ({})", server.getListenSockets(),
        tls.isPresent() ? "TLS" : "PLAINTEXT, dev mode on loopback");
    // First no new connections or calls (the agents' next tries go to the other nodes), then, once
    // this node stops serving, the open streams are cancelled so their agents reconnect elsewhere.
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "grpc-server-unbind", () -> {
      GrpcServing.get(system).unbinding();
      health.enterTerminalState();
      server.shutdown();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "grpc-server-close", () -> {
      server.shutdownNow();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    return new ControllerServer(server);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  public static Descriptors.ServiceDescriptor service(org.apache.pekko.grpc.ServiceDescription description) {
    Descriptors.FileDescriptor file = description.descriptor();
    return file.getServices().stream().filter(s -> s.getFullName().equals(description.name())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(file.getName() + " has no service " + description.name()));
  }

  private static long millis(Config config, String path) {
    return config.getDuration(path).toMillis();
  }

  /**
   * The caller's address as this server saw it, replacing any a client sent, and the request's
   * headers, for the service ({@link ServiceBinding#HEADERS}).
   */
  private static final class StampedHeaders implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      headers.discardAll(PEER);
      headers.put(PEER, peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
      return Contexts.interceptCall(Context.current().withValue(ServiceBinding.HEADERS, headers), call, headers, next);
    }

    private static String peer(SocketAddress remote) {
      if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
        return inet.getAddress().getHostAddress() + ":" + inet.getPort();
      }
      return "unknown";
    }
  }
}
