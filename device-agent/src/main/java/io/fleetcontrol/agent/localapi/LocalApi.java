package io.fleetcontrol.agent.localapi;

import com.typesafe.config.Config;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.state.PrivateFile;
import io.fleetcontrol.grpcedge.GrpcMessageLimit;
import io.fleetcontrol.grpcedge.GrpcFailures;
import io.fleetcontrol.proto.agent.v1.CaptureGateService;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import io.fleetcontrol.proto.agent.v1.CaptureGateServicePowerApiHandlerFactory;
import io.fleetcontrol.proto.agent.v1.GateError;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
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

/**
 * Serves the capture tools' local API on a loopback address only: a capture tool on this laptop
 * reaches it, nothing on the network does. Any local user could reach a loopback port, so every
 * call also needs the token in a file of the agent's state directory. The token lets a caller ask
 * the gate and nothing more; the employee's controls are on the employee socket.
 */
public final class LocalApi {

  private LocalApi() {}

  /** Refuses any host that is not loopback: the gate must never be reachable from the network. */
  public static InetAddress loopback(String host) {
    try {
      InetAddress address = InetAddress.getByName(host);
      if (!address.isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "local API host " + host + " is not a loopback address; use 127.0.0.1 or ::1");
      }
      return address;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("local API host " + host + " is unknown", e);
    }
  }

  /** The limit for one request message, here and on the gate socket, from {@code fleet.agent.local-api}. */
  public static final String MAX_MESSAGE_BYTES_SETTING = "fleet.agent.local-api.max-message-bytes";

  public static int maxMessageBytes(Config config) {
    return Math.toIntExact(config.getBytes(MAX_MESSAGE_BYTES_SETTING));
  }

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, DeviceAgent agent, String host, int port, String token) {
    InetAddress address = loopback(host);
    GrpcMessageLimit limit = new GrpcMessageLimit(maxMessageBytes(system.settings().config()), MAX_MESSAGE_BYTES_SETTING);
    LocalApiServices services = new LocalApiServices(agent, token);
    Materializer materializer = SystemMaterializer.get(system).materializer();
    @SuppressWarnings("unchecked")
    Function<HttpRequest, CompletionStage<HttpResponse>> handler =
        ServiceHandler.concatOrNotFound(
            CaptureGateServicePowerApiHandlerFactory.partial(services, CaptureGateService.name, materializer, GrpcFailures.mapper(), system),
            ServerReflection.create(List.of(CaptureGateService.description), system));
    return Http.get(system)
        .newServerAt(address.getHostAddress(), port)
        .bind(limit.guard(handler))
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(2), system));
  }

  /** Why a call on the gate or employee socket was refused. */
  public static GateError error(Status.Code code, String message) {
    return GateError.newBuilder().setCode(code.name()).setMessage(message == null ? "" : message).build();
  }

  /**
   * A fresh random token, written where only this user can read it (0600 on POSIX systems) before
   * the API listens. A new token per start means a leaked one dies with the agent.
   */
  public static String writeNewToken(Path tokenFile) throws IOException {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = HexFormat.of().formatHex(random);
    PrivateFile.write(tokenFile, (token + "\n").getBytes(StandardCharsets.US_ASCII));
    return token;
  }

  /** The token a running agent wrote; a clear message when there is none. */
  public static String readToken(Path tokenFile) throws IOException {
    if (!Files.exists(tokenFile)) {
      throw new IOException("no token file at " + tokenFile + ": is the agent running (fleet-agent run)?");
    }
    return Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
  }
}
