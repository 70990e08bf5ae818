package io.fleetcontrol.agent.link;

import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.discovery.Lookup;
import org.apache.pekko.discovery.ServiceDiscovery;
import org.apache.pekko.grpc.GrpcClientSettings;

/** Creates gRPC clients for AgentService; each owns one HTTP/2 connection. */
public final class AgentClients {

  private AgentClients() {}

  public static AgentServiceClient create(ActorSystem<?> system, ControllerAddress controller) {
    return create(system, List.of(controller));
  }

  /**
   * One address: that controller. Several (the nodes of one cluster): gRPC's round-robin balancer
   * over all of them, so streams spread over the nodes, and a stream that breaks because its node
   * died is opened again (by the agent's own retry) on a node that is up.
   */
  public static AgentServiceClient create(ActorSystem<?> system, List<ControllerAddress> controllers) {
    return factory(system, controllers).get();
  }

  /**
   * Clients to these controllers, each with its own connection, all sharing one TLS context: reading
   * the CA and building an OpenSSL context per client costs milliseconds, which a simulator starting
   * thousands of agents would pay for each of them.
   */
  public static Supplier<AgentServiceClient> factory(ActorSystem<?> system, List<ControllerAddress> controllers) {
    GrpcClientSettings settings = settings(system, controllers);
    return () -> AgentServiceClient.create(settings, system);
  }

  private static GrpcClientSettings settings(ActorSystem<?> system, List<ControllerAddress> controllers) {
    ControllerAddress first = controllers.get(0);
    for (ControllerAddress controller : controllers) {
      // The enrollment token and the credential would cross the network in clear.
      if (!controller.useTls() && !isLoopback(controller.host())) {
        throw new IllegalArgumentException("plaintext to " + controller.host() + " is refused: without TLS the agent "
            + "talks only to a dev controller on loopback (set fleet.agent.controller.use-tls = true, FLEET_CONTROLLER_TLS)");
      }
    }
    GrpcClientSettings settings = controllers.size() == 1
        ? GrpcClientSettings.connectToServiceAt(first.host(), first.port(), system)
        : GrpcClientSettings.usingServiceDiscovery(SERVICE, new StaticControllers(controllers), system)
            .withLoadBalancingPolicy("round_robin")
            // TLS checks the nodes' certificate against a name, not the discovery service's: the
            // first address's (one cluster, one certificate whose names cover its nodes).
            .withOverrideAuthority(first.host());
    // pekko-grpc would build an SSL context for every channel: its own TLS switch stays off, and TLS
    // is set with ours on the channel builder of the Netty backend, named, since another backend
    // would not use that builder (it would talk plaintext).
    settings = settings.withBackend("netty").withTls(false);
    if (first.useTls()) {
      SslContext tls = sslContext(first.caFile());
      settings = settings.withChannelBuilderOverrides(builder -> builder.useTransportSecurity().sslContext(tls));
    }
    // The default (20) closes the channel for good during a long controller outage;
    // the agents' own backoff decides when to try again.
    return settings.withConnectionAttempts(-1);
  }

  /** Trusts the CA file when one is given, else the JVM's default trust store; HTTP/2 over TLS (ALPN). */
  private static SslContext sslContext(Path caFile) {
    try {
      SslContextBuilder builder = GrpcSslContexts.forClient();
      if (caFile != null) {
        builder.trustManager(io.fleetcontrol.tls.PemFiles.trustManager(caFile));
      }
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS to the controller: " + e.getMessage(), e);
    }
  }

  private static final String SERVICE = "fleet-controller";

  /** By name or literal, without asking DNS: "localhost", 127.x.x.x, ::1. */
  static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1");
  }

  /** Discovery that always answers the configured addresses. */
  private static final class StaticControllers extends ServiceDiscovery {
    private final ServiceDiscovery.Resolved resolved;

    StaticControllers(List<ControllerAddress> controllers) {
      List<ServiceDiscovery.ResolvedTarget> targets = controllers.stream()
          .map(c -> ServiceDiscovery.ResolvedTarget$.MODULE$.apply(c.host(),
              scala.Option.apply((Object) c.port()), scala.Option.empty()))
          .toList();
      resolved = ServiceDiscovery.Resolved$.MODULE$.apply(SERVICE,
          scala.jdk.javaapi.CollectionConverters.asScala(targets).toList());
    }

    @Override
    public scala.concurrent.Future<ServiceDiscovery.Resolved> lookup(
        Lookup lookup, scala.concurrent.duration.FiniteDuration resolveTimeout) {
      return scala.concurrent.Future.successful(resolved);
    }
  }
}
