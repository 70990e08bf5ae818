package io.fleetcontrol.fleetctl;

import io.fleetcontrol.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.net.ssl.X509TrustManager;

/**
 * How fleetctl reaches the controller: TLS verified against the system trust store (the default),
 * TLS verified against one CA file, or plaintext h2c for a dev controller on loopback.
 *
 * @param caFile the PEM CA to trust instead of the system store; null for the system store
 * @param source where the choice came from ("--ca-file", "FLEET_PLAINTEXT", ...), for messages
 */
record Transport(boolean plaintext, Path caFile, String source) {

  static final Transport SYSTEM_TRUST = new Transport(false, null, "default");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  static Transport plaintext(String source) {
    return new Transport(true, null, source);
  }

  static Transport trusting(Path caFile, String source) {
    return new Transport(false, caFile, source);
  }

  /**
   * Refuses plaintext off loopback: the admin token would cross the network in clear. Only names
   * that need no DNS count, so a hostile resolver cannot make "dev-box" loopback.
   */
  void checkAllowedFor(ServerAddress server) {
    if (plaintext && !isLoopback(server.host())) {
      throw new CliConfig.Problem(source + " is for a controller on loopback only, not " + server.host()
          + "; use TLS (with --ca-file if its CA is private)");
    }
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (IPV4.matcher(h).matches()) {
      return h.startsWith("127.");
    }
    // IPv6 literal: ::1 in any spelling, or ::ffff:127.x.
    if (h.contains(":")) {
      try {
        return java.net.InetAddress.getByName(h).isLoopbackAddress();
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  /** The trust manager for {@link #caFile}; a file that cannot be used is a usage error naming it. */
  X509TrustManager trustManager() {
    if (!Files.isReadable(caFile)) {
      throw new CliConfig.Problem("CA file " + caFile + " (" + source + ") cannot be read"
          + (Files.exists(caFile) ? "" : ": no such file"));
    }
    try {
      return PemFiles.trustManager(caFile);
    } catch (PemFiles.Problem e) {
      // PemFiles names the file first.
      throw new CliConfig.Problem("CA file " + e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ")
          + " (" + source + ")");
    }
  }
}
