package io.fleetcontrol.controller.security;

import com.typesafe.config.Config;
import io.fleetcontrol.tls.PemFiles;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;

/**
 * What a controller must have before it listens: TLS, admin identities and keys of its own. The dev
 * profile's public tokens and keys, and plaintext, pass only in dev mode on a loopback address. A
 * start that fails here fails with one line naming the setting.
 */
public final class ControllerSecurity {

  /** The dev profile's keys (dev.conf): public, so never outside dev mode. */
  private static final List<String> DEV_SECRETS = List.of(
      "dev-device-credential-key-not-for-production", "dev-page-token-secret-not-for-production");
  static final int MIN_SECRET_LENGTH = 32;

  /** A setting that stops the controller from starting. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  private ControllerSecurity() {}

  /** Checks the settings and returns the key (and certificate chain) to serve TLS with (empty: plaintext, dev only). */
  public static Optional<KeyManagerFactory> check(Config config, AdminTokens admins) {
    Config fleet = config.getConfig("fleet");
    String grpcInterface = fleet.getString("grpc.interface");
    boolean devMode = fleet.getBoolean("dev-mode");
    // The dashboard takes the same TLS and the same tokens: what dev mode allows on loopback only,
    // it allows only while both ports are on loopback.
    String dashboardInterface = fleet.getBoolean("dashboard.enabled") ? fleet.getString("dashboard.interface") : grpcInterface;
    boolean loopback = isLoopback(grpcInterface) && isLoopback(dashboardInterface);
    boolean devAllowed = devMode && loopback;
    String where = !devMode
        ? "fleet.dev-mode (FLEET_DEV_MODE) is off"
        : !isLoopback(grpcInterface)
            ? "gRPC binds " + grpcInterface + ", not a loopback address"
            : "the dashboard binds " + dashboardInterface + ", not a loopback address";

    String chain = fleet.getString("grpc.tls.certificate-chain-file");
    String key = fleet.getString("grpc.tls.private-key-file");
    Optional<KeyManagerFactory> tls = Optional.empty();
    if (chain.isBlank() != key.isBlank()) {
      throw new Refused("fleet.grpc.tls: set both certificate-chain-file (FLEET_TLS_CERT) and private-key-file (FLEET_TLS_KEY), or neither");
    }
    if (!chain.isBlank()) {
      try {
        tls = Optional.of(PemFiles.serverKeys(Path.of(chain), Path.of(key)));
      } catch (PemFiles.Problem e) {
        throw new Refused("fleet.grpc.tls: " + e.getMessage());
      }
    } else if (!devAllowed) {
      throw new Refused("fleet.grpc.tls.certificate-chain-file (FLEET_TLS_CERT) and private-key-file (FLEET_TLS_KEY) "
          + "are required: plaintext gRPC only in dev mode on a loopback address, and " + where);
    }

    if (!devAllowed && !admins.devIdentities().isEmpty()) {
      throw new Refused("fleet.admin-tokens: the public dev tokens of " + admins.devIdentities()
          + " are accepted only in dev mode on a loopback address, and " + where);
    }
    secret(fleet, "device-credential-key", "FLEET_DEVICE_CREDENTIAL_KEY", devAllowed, where);
    secret(fleet, "read-side.page-token-secret", "FLEET_PAGE_TOKEN_SECRET", devAllowed, where);

    String transport = config.getString("pekko.remote.artery.transport");
    String remoteHost = config.getString("pekko.remote.artery.canonical.hostname");
    if (!"tls-tcp".equals(transport) && !isLoopback(remoteHost)) {
      throw new Refused("pekko.remote.artery.transport = tls-tcp (FLEET_REMOTE_TRANSPORT, with the keystores of "
          + "deploy/k8s) is required when cluster remoting binds " + remoteHost + ", not a loopback address");
    }
    return tls;
  }

  private static void secret(Config fleet, String path, String env, boolean devAllowed, String where) {
    String value = fleet.getString(path);
    if (value.length() < MIN_SECRET_LENGTH) {
      throw new Refused("fleet." + path + " (" + env + ") must be set, at least " + MIN_SECRET_LENGTH
          + " characters (e.g. openssl rand -base64 48), the same on every node");
    }
    if (DEV_SECRETS.contains(value) && !devAllowed) {
      throw new Refused("fleet." + path + " (" + env + ") is the public dev value of dev.conf, accepted only in "
          + "dev mode on a loopback address, and " + where);
    }
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
