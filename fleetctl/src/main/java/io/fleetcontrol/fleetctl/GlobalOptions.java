package io.fleetcontrol.fleetctl;

import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command takes. INHERIT scope lets them go before or after the verb:
 * {@code fleetctl -o json devices list} and {@code fleetctl devices list -o json} both work.
 */
final class GlobalOptions {

  static final String DEFAULT_SERVER = "127.0.0.1:8080";

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      converter = ServerAddress.Converter.class,
      description = "Control plane address (else env FLEET_SERVER, else the config file; default: "
          + DEFAULT_SERVER + ").")
  ServerAddress serverFlag;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      paramLabel = "TOKEN",
      description = "Admin token, sent as 'authorization: Bearer TOKEN' (else env FLEET_TOKEN, else the config file).")
  String tokenFlag;

  @Option(
      names = "--ca-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "PEM file of the CA that signed the server's certificate, trusted instead of the system trust "
          + "store (else env FLEET_CA_FILE, else ca_file in the config file).")
  java.nio.file.Path caFileFlag;

  @Option(
      names = "--plaintext",
      scope = ScopeType.INHERIT,
      description = "No TLS (h2c), for a dev controller on loopback only (else env FLEET_PLAINTEXT=true, "
          + "else plaintext: true in the config file). Default: TLS.")
  boolean plaintextFlag;

  @Option(
      names = "--config",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Config file with server, token, ca_file, plaintext, or named contexts of them (else env "
          + "FLEETCTL_CONFIG, else ~/.config/fleetctl/config.yaml).")
  java.nio.file.Path configFile;

  @Option(
      names = "--context",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description = "The config file's context to use (else env FLEETCTL_CONTEXT, else its current-context).")
  String context;

  /** The process environment; tests put their own. */
  java.util.Map<String, String> env = System.getenv();
  private CliConfig config;

  private CliConfig config() {
    if (config == null) {
      config = CliConfig.load(configFile, env, context);
    }
    return config;
  }

  /** --server, else FLEET_SERVER, else the config file, else the default. */
  ServerAddress server() {
    if (serverFlag != null) {
      return serverFlag;
    }
    String fromEnv = env.get("FLEET_SERVER");
    if (fromEnv != null && !fromEnv.isBlank()) {
      try {
        return ServerAddress.parse(fromEnv);
      } catch (IllegalArgumentException e) {
        throw new CliConfig.Problem("FLEET_SERVER: " + e.getMessage());
      }
    }
    String fromFile = config().server();
    return ServerAddress.parse(fromFile != null ? fromFile : DEFAULT_SERVER);
  }

  /**
   * TLS or plaintext, and which CA. Each source (flag, environment, file) may choose; the more
   * specific one wins, as for --server, and one source choosing both is a usage error.
   */
  Transport transport() {
    Transport chosen = chosenTransport();
    chosen.checkAllowedFor(server());
    return chosen;
  }

  private Transport chosenTransport() {
    if (plaintextFlag && caFileFlag != null) {
      throw new CliConfig.Problem("--plaintext and --ca-file exclude each other");
    }
    if (plaintextFlag) {
      return Transport.plaintext("--plaintext");
    }
    if (caFileFlag != null) {
      return Transport.trusting(caFileFlag, "--ca-file");
    }
    String plainEnv = env.get("FLEET_PLAINTEXT");
    String caEnv = env.get("FLEET_CA_FILE");
    boolean plainSet = plainEnv != null && !plainEnv.isBlank();
    boolean caSet = caEnv != null && !caEnv.isBlank();
    if (plainSet && !plainEnv.strip().equalsIgnoreCase("true") && !plainEnv.strip().equalsIgnoreCase("false")) {
      throw new CliConfig.Problem("FLEET_PLAINTEXT must be true or false, got '" + plainEnv + "'");
    }
    boolean plainEnvTrue = plainSet && plainEnv.strip().equalsIgnoreCase("true");
    if (plainEnvTrue && caSet) {
      throw new CliConfig.Problem("FLEET_PLAINTEXT=true and FLEET_CA_FILE exclude each other");
    }
    if (plainEnvTrue) {
      return Transport.plaintext("FLEET_PLAINTEXT");
    }
    if (caSet) {
      return Transport.trusting(java.nio.file.Path.of(caEnv.strip()), "FLEET_CA_FILE");
    }
    CliConfig file = config();
    if (file.caFile() != null) {
      return Transport.trusting(file.caFile(), "ca_file in " + file.source());
    }
    // FLEET_PLAINTEXT=false overrides the file's plaintext: true, e.g. for one shell.
    if (file.plaintext() && !plainSet) {
      return Transport.plaintext("plaintext in " + file.source());
    }
    return Transport.SYSTEM_TRUST;
  }

  @Option(
      names = {"-o", "--output"},
      scope = ScopeType.INHERIT,
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Deadline for each call, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /**
   * --token, else FLEET_TOKEN, else the config file. One that is given but empty ({@code --token=})
   * means no token, so nothing is sent rather than "Bearer ".
   */
  String tokenOrNull() {
    String token = tokenFlag != null ? tokenFlag
        : env.get("FLEET_TOKEN") != null ? env.get("FLEET_TOKEN")
        : config().token();
    return token == null || token.isBlank() ? null : token;
  }
}
