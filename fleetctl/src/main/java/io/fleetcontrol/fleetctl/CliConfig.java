package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The config file: {@code server}, {@code token} and how to reach the server ({@code ca_file} or
 * {@code plaintext}), so none has to be typed or exported each time. YAML, e.g.
 *
 * <pre>
 * server: fleet.example.com:8443
 * token: s3cr3t
 * ca_file: fleet-ca.crt      # relative to this file's directory
 * </pre>
 *
 * Found at {@code --config}, else {@code $FLEETCTL_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/fleetctl/config.yaml} (~/.config when unset). A flag beats the
 * environment, which beats the file. A file named explicitly must exist; the default one may not.
 */
record CliConfig(String server, String token, Path caFile, boolean plaintext, Path source) {

  static final CliConfig NONE = new CliConfig(null, null, null, false, null);
  private static final Set<String> KEYS = Set.of("server", "token", "ca_file", "plaintext");
  private static final String KNOWN = "server, token, ca_file, plaintext";

  /** A config file that cannot be used: a usage error (exit 2), named with the file. */
  static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message);
    }
  }

  static CliConfig load(Path explicit, Map<String, String> env) {
    Path path = explicit;
    boolean mustExist = true;
    if (path == null && env.get("FLEETCTL_CONFIG") != null && !env.get("FLEETCTL_CONFIG").isBlank()) {
      path = Path.of(env.get("FLEETCTL_CONFIG"));
    }
    if (path == null) {
      mustExist = false;
      String xdg = env.get("XDG_CONFIG_HOME");
      Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
          : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
      path = base.resolve("fleetctl").resolve("config.yaml");
    }
    if (!Files.exists(path)) {
      if (mustExist) {
        throw new Problem("config file " + path + " does not exist");
      }
      return NONE;
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
    } catch (IOException e) {
      throw new Problem("config file " + path + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new CliConfig(null, null, null, false, path);
    }
    if (!root.isObject()) {
      throw new Problem("config file " + path + " must be a mapping of keys (" + KNOWN + ")");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        throw new Problem("config file " + path + ": unknown key '" + name + "' (known: " + KNOWN + ")");
      }
      if (name.equals("plaintext")) {
        if (!root.get(name).isBoolean()) {
          throw new Problem("config file " + path + ": 'plaintext' must be true or false");
        }
      } else if (!root.get(name).isTextual()) {
        throw new Problem("config file " + path + ": '" + name + "' must be a string");
      }
    }
    String server = root.hasNonNull("server") ? root.get("server").asText() : null;
    if (server != null) {
      try {
        ServerAddress.parse(server);
      } catch (IllegalArgumentException e) {
        throw new Problem("config file " + path + ": server: " + e.getMessage());
      }
    }
    Path caFile = null;
    if (root.hasNonNull("ca_file")) {
      // Relative to the config file, so a file and its CA can move together.
      Path dir = path.toAbsolutePath().getParent();
      caFile = dir.resolve(root.get("ca_file").asText());
    }
    boolean plaintext = root.path("plaintext").asBoolean(false);
    if (plaintext && caFile != null) {
      throw new Problem("config file " + path + ": 'plaintext: true' and 'ca_file' exclude each other");
    }
    return new CliConfig(server, root.hasNonNull("token") ? root.get("token").asText() : null, caFile, plaintext, path);
  }
}
