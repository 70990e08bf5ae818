package io.fleetcontrol.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.proto.v1.AgentServicePowerApiHandlerFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/** Serves a {@link FakeAgentService} over HTTP/2 on a free local port. */
public final class FakeController implements AutoCloseable {

  /** Without HTTP/2 the server answers HTTP/1.1 and gRPC clients fail on the first frame. */
  public static final Config TEST_CONFIG =
      ConfigFactory.parseString(
              """
              pekko.http.server.enable-http2 = on
              pekko.http.server.preview.enable-http2 = on
              pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
              pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
              pekko.loglevel = DEBUG
              """)
          .withFallback(ConfigFactory.load());

  final FakeAgentService service;
  private final ServerBinding binding;

  private FakeController(FakeAgentService service, ServerBinding binding) {
    this.service = service;
    this.binding = binding;
  }

  public static FakeController start(ActorSystem<?> system, FakeAgentService service) throws Exception {
    ServerBinding binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(AgentServicePowerApiHandlerFactory.create(service, system))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return new FakeController(service, binding);
  }

  public ControllerAddress address() {
    return new ControllerAddress("127.0.0.1", binding.localAddress().getPort(), false);
  }

  @Override
  public void close() throws Exception {
    binding.terminate(java.time.Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
