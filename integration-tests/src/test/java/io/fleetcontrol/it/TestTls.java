package io.fleetcontrol.it;

import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.grpc.GrpcClientSettings;

/**
 * The tests' TLS, made once by deploy/tls.sh (the same script the quickstart uses) under
 * integration-tests/target/it-run/tls: controllers serve with it, agents and admin clients trust its CA.
 */
final class TestTls {

  static final Path DIR = LocalCassandra.findRepoRoot().resolve("integration-tests/target/it-run/tls");

  private TestTls() {}

  static synchronized Path dir() {
    if (!Files.exists(DIR.resolve("controller.key"))) {
      run("bash", LocalCassandra.findRepoRoot().resolve("deploy/tls.sh").toString(), DIR.toString());
    }
    return DIR;
  }

  /** Another CA, from another run of deploy/tls.sh: the controller's certificate does not chain to it. */
  static synchronized Path otherCa() {
    Path other = DIR.resolveSibling("tls-other");
    if (!Files.exists(other.resolve("ca.crt"))) {
      run("bash", LocalCassandra.findRepoRoot().resolve("deploy/tls.sh").toString(), other.toString());
    }
    return other.resolve("ca.crt");
  }

  static Path ca() {
    return dir().resolve("ca.crt");
  }

  /** Controller settings that serve gRPC over TLS with the test certificate. */
  static Map<String, Object> controllerSettings() {
    return Map.of(
        "fleet.grpc.tls.certificate-chain-file", dir().resolve("controller.crt").toString(),
        "fleet.grpc.tls.private-key-file", dir().resolve("controller.key").toString());
  }

  /**
   * The same as -D flags, for controller nodes in their own JVMs; with {@code -Dcluster.remoting-tls=true}
   * also cluster remoting over tls-tcp with mutual authentication, as deploy/k8s runs it (stores
   * from deploy/tls.sh). Off by default: on the 2-core box three nodes encrypting their remoting
   * failed the node-loss test in 2 of 4 runs (recovery 37.7 s once, against its 30 s bound).
   */
  static List<String> controllerFlags() {
    List<String> flags = new java.util.ArrayList<>(
        controllerSettings().entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue()).toList());
    if (!Boolean.getBoolean("cluster.remoting-tls")) {
      return flags;
    }
    String engine = "-Dpekko.remote.artery.ssl.config-ssl-engine.";
    flags.addAll(List.of(
        "-Dpekko.remote.artery.transport=tls-tcp",
        engine + "key-store=" + dir().resolve("remoting.p12"),
        engine + "trust-store=" + dir().resolve("truststore.p12"),
        engine + "key-store-password=" + STORE_PASSWORD,
        engine + "key-password=" + STORE_PASSWORD,
        engine + "trust-store-password=" + STORE_PASSWORD));
    return flags;
  }

  /** deploy/tls.sh's default password for its .p12 stores. */
  private static final String STORE_PASSWORD = "changeit-dev";

  static GrpcClientSettings client(int port, ClassicActorSystemProvider system) {
    return GrpcClientSettings.connectToServiceAt("127.0.0.1", port, system)
        .withTls(true)
        .withTrustManager(PemFiles.trustManager(ca()));
  }

  /** For java.net.http clients of the dashboard: trusts the test CA only. */
  static javax.net.ssl.SSLContext clientSslContext() {
    try {
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {PemFiles.trustManager(ca())}, null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("TLS client context", e);
    }
  }

  static ControllerAddress controller(int port) {
    return new ControllerAddress("127.0.0.1", port, true, ca());
  }

  private static void run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
