package io.fleetcontrol.fleetctl;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.proto.v1.AdminServicePowerApiHandlerFactory;
import io.fleetcontrol.tls.PemFiles;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.ServerBinding;

/** Serves a {@link FakeAdminService} over plaintext HTTP/2 (h2c), or TLS, on a free local port. */
final class FakeAdminServer implements AutoCloseable {
  final FakeAdminService service = new FakeAdminService();
  private final ActorSystem system;
  private final ServerBinding binding;

  FakeAdminServer() throws Exception {
    this(null);
  }

  /** Over TLS with {@code certificates}' server chain and key; null for plaintext. */
  FakeAdminServer(TestCertificates certificates) throws Exception {
    // Without both switches the server speaks HTTP/1.1 and gRPC fails with "First received frame was not SETTINGS".
    system = ActorSystem.create("fake-admin-server", ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.http.server.enable-http2 = on
        pekko.http.server.preview.enable-http2 = on
        """).withFallback(ConfigFactory.load()));
    ServerBuilder builder = Http.get(system).newServerAt("127.0.0.1", 0);
    if (certificates != null) {
      builder = builder.enableHttps(ConnectionContext.httpsServer(
          PemFiles.serverContext(certificates.serverChain(), certificates.serverKey())));
    }
    binding = builder
        .bind(AdminServicePowerApiHandlerFactory.create(service, system))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** The --server value that reaches this fake. */
  String address() {
    return "127.0.0.1:" + binding.localAddress().getPort();
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
