package io.fleetcontrol.fleetctl;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.X509TrustManager;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.grpc.javadsl.SingleResponseRequestBuilder;

/**
 * The one AdminService client of an invocation. The ActorSystem behind it starts on the first
 * call, so commands that never reach the server (help, completion, usage errors) stay fast.
 * Calls block: a CLI does one thing at a time.
 */
final class AdminConnection implements AutoCloseable {
  /** Slack over the gRPC deadline, so the server's DEADLINE_EXCEEDED normally wins the race. */
  private static final Duration LOCAL_TIMEOUT_SLACK = Duration.ofSeconds(2);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);
  /**
   * grpc-java logs through java.util.logging straight to stderr, e.g. "Failed to resolve name"
   * for the very failure fleetctl already reports on its one line. A field, as JUL holds loggers weakly.
   */
  private static final Logger GRPC_LOGGER = Logger.getLogger("io.grpc");

  private final ServerAddress server;
  private final String token;
  private final Duration timeout;
  private final Transport transport;
  private ActorSystem system;
  private AdminServiceClient client;

  AdminConnection(ServerAddress server, String token, Duration timeout, Transport transport) {
    this.server = server;
    this.token = token;
    this.timeout = timeout;
    this.transport = transport;
  }

  ServerAddress server() {
    return server;
  }

  Duration timeout() {
    return timeout;
  }

  Transport transport() {
    return transport;
  }

  GetFleetSummaryResponse getFleetSummary() {
    return call(client().getFleetSummary(), GetFleetSummaryRequest.getDefaultInstance());
  }

  ListDevicesResponse listDevices(ListDevicesRequest request) {
    return call(client().listDevices(), request);
  }

  GetDeviceResponse getDevice(String deviceId) {
    return call(client().getDevice(), GetDeviceRequest.newBuilder().setDeviceId(deviceId).build());
  }

  /** Any admin RPC: {@code connection.call(AdminServiceClient::getPolicy, request)}. */
  <Q, R> R call(java.util.function.Function<AdminServiceClient, SingleResponseRequestBuilder<Q, R>> rpc, Q request) {
    return call(rpc.apply(client()), request);
  }

  private <Q, R> R call(SingleResponseRequestBuilder<Q, R> rpc, Q request) {
    if (token != null) {
      rpc = rpc.addHeader("authorization", "Bearer " + token);
    }
    return rpc.invoke(request)
        .toCompletableFuture()
        .orTimeout(timeout.plus(LOCAL_TIMEOUT_SLACK).toMillis(), TimeUnit.MILLISECONDS)
        .join();
  }

  private AdminServiceClient client() {
    if (client == null) {
      // Before the ActorSystem starts: a CA file that cannot be used fails fast.
      X509TrustManager trust = transport.caFile() != null ? transport.trustManager() : null;
      GRPC_LOGGER.setLevel(Level.SEVERE);
      system = ActorSystem.create("fleetctl", ConfigFactory.load(ConfigFactory.parseResources("fleetctl-client.conf")));
      GrpcClientSettings settings =
          GrpcClientSettings.connectToServiceAt(server.host(), server.port(), system)
              .withTls(!transport.plaintext())
              .withDeadline(timeout);
      if (trust != null) {
        settings = settings.withTrustManager(trust);
      }
      client = AdminServiceClient.create(settings, system);
    }
    return client;
  }

  @Override
  public void close() {
    if (system == null) {
      return;
    }
    try {
      client.close().toCompletableFuture().get(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception ignored) {
      // The answer is already printed; a slow channel shutdown must not change the exit code.
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception ignored) {
        // Same: exit anyway.
      }
    }
  }
}
