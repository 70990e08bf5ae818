package io.fleetcontrol.agent.localapi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.proto.agent.v1.CaptureGateServiceClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;

/** The employee CLI's line to the running agent: one short-lived client per command. */
public final class LocalApiClient implements AutoCloseable {

  /** A failure the CLI prints as one line and exits 1 with. */
  public static final class LocalApiException extends Exception {
    LocalApiException(String message) {
      super(message);
    }
  }

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<Void> system;
  private final LocalSettings settings;
  private final CaptureGateServiceClient gate;
  private final String authorization;

  private LocalApiClient(ActorSystem<Void> system, LocalSettings settings, String token) {
    this.system = system;
    this.settings = settings;
    GrpcClientSettings client =
        GrpcClientSettings.connectToServiceAt(settings.localApiHost(), settings.localApiPort(), system)
            .withTls(false)
            .withConnectionAttempts(1);
    this.gate = CaptureGateServiceClient.create(client, system);
    this.authorization = "Bearer " + token;
  }

  public static LocalApiClient open(LocalSettings settings) throws LocalApiException {
    String token;
    try {
      token = LocalApi.readToken(settings.tokenFile());
    } catch (IOException e) {
      throw new LocalApiException(e.getMessage());
    }
    Config quiet = ConfigFactory.parseString("pekko.loglevel = WARNING\npekko.log-dead-letters = off")
        .withFallback(ConfigFactory.load());
    return new LocalApiClient(ActorSystem.create(Behaviors.empty(), "fleet-agent-cli", quiet), settings, token);
  }

  public CaptureGateServiceClient gate() {
    return gate;
  }

  public String authorization() {
    return authorization;
  }

  /** Waits for the answer; a refusal or an unreachable agent becomes one plain sentence. */
  public <T> T await(CompletionStage<T> call) throws LocalApiException {
    try {
      return call.toCompletableFuture().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new LocalApiException(describe(e.getCause()));
    } catch (TimeoutException e) {
      throw new LocalApiException("the agent did not answer within " + CALL_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalApiException("interrupted");
    }
  }

  private String describe(Throwable failure) {
    Status status = failure instanceof StatusRuntimeException s ? s.getStatus() : Status.fromThrowable(failure);
    return switch (status.getCode()) {
      case UNAVAILABLE -> "the agent is not running, or not listening on " + settings.localApiHost() + ":"
          + settings.localApiPort() + " (start it with: fleet-agent run)";
      case UNAUTHENTICATED -> "the token in " + settings.tokenFile()
          + " is not the running agent's; is another agent running with another --state-dir?";
      default -> status.getDescription() != null ? status.getDescription() : status.getCode().name();
    };
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Exiting anyway.
    }
  }
}
