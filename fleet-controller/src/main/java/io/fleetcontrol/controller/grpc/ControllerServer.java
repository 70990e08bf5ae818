package io.fleetcontrol.controller.grpc;

import com.google.protobuf.Descriptors;
import com.typesafe.config.Config;
import io.fleetcontrol.proto.v1.AdminService;
import io.fleetcontrol.proto.v1.AdminServicePowerApi;
import io.fleetcontrol.proto.v1.AgentService;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
      AgentServiceImpl agents, AdminServiceImpl admin) {
    Config grpc = system.settings().config().getConfig("fleet.grpc");
    Config connections = grpc.getConfig("connections");
    var open = new OpenConnections(connections.getInt("max-connections"));
    ServerInterceptor[] edge = {open, new StampedHeaders()};
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(ServerInterceptors.intercept(agents.definition(), edge))
        .addService(ServerInterceptors.intercept(ServiceBinding.bind(service(AdminService.description),
            AdminServicePowerApi.class, admin), edge))
        .addService(ProtoReflectionService.newInstance())
        .addTransportFilter(open)
        .executor(system.executionContext())
        .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
          @Override
          public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
            return AgentService.name.equals(call.getMethodDescriptor().getServiceName()) ? ON_THE_CONNECTION : null;
          }
        })
        .maxInboundMessageSize(Math.toIntExact(grpc.getBytes("max-message-bytes")))
        .maxConcurrentCallsPerConnection(connections.getInt("max-concurrent-streams"))
        .maxConnectionIdle(millis(connections, "idle-timeout"), TimeUnit.MILLISECONDS)
        .handshakeTimeout(millis(connections, "handshake-timeout"), TimeUnit.MILLISECONDS)
        .keepAliveTime(millis(connections, "ping-interval"), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(millis(connections, "ping-timeout"), TimeUnit.MILLISECONDS)
        .maxRstFramesPerWindow(connections.getInt("max-resets-per-second"), 1);
    if (tls.isPresent()) {
      try {
        builder.sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(tls.get())).build());
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
    log.info("gRPC server listening on {} ({})", server.getListenSockets(),
        tls.isPresent() ? "TLS" : "PLAINTEXT, dev mode on loopback");
    Duration drain = Duration.ofSeconds(10);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "grpc-server", () ->
        CompletableFuture.supplyAsync(() -> {
          server.shutdown();
          try {
            if (!server.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
              server.shutdownNow();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
          }
          return Done.getInstance();
        }));
    return new ControllerServer(server);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  static Descriptors.ServiceDescriptor service(org.apache.pekko.grpc.ServiceDescription description) {
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

  /**
   * The connections this node holds (past TLS and the HTTP/2 preface). Past the cap, new calls are
   * refused UNAVAILABLE, so an agent tries again later or on another node, while the streams already
   * open carry on; connections without calls close after the idle-timeout.
   */
  private static final class OpenConnections extends ServerTransportFilter implements ServerInterceptor {
    private static final Attributes.Key<Boolean> COUNTED = Attributes.Key.create("fleet-connection-counted");
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    OpenConnections(int max) {
      this.max = max;
    }

    @Override
    public Attributes transportReady(Attributes attributes) {
      open.incrementAndGet();
      return attributes.toBuilder().set(COUNTED, true).build();
    }

    @Override
    public void transportTerminated(Attributes attributes) {
      if (Boolean.TRUE.equals(attributes.get(COUNTED))) {
        open.decrementAndGet();
      }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      int now = open.get();
      if (now > max) {
        call.close(Status.UNAVAILABLE.withDescription("this node holds " + now + " connections, more than its "
            + max + " (fleet.grpc.connections.max-connections, FLEET_MAX_CONNECTIONS); try again later or another node"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
