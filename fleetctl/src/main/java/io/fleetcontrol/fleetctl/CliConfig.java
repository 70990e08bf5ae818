package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The config file: {@code server}, {@code token} and how to reach the server ({@code ca_file} or
 * {@code plaintext}), so none has to be typed or exported each time. YAML, either those keys at
 * the top, or named contexts as kubectl has them:
 *
 * <pre>
 * current-context: prod
 * contexts:
 *   prod: {server: fleet.example.com:8443, token: s3cr3t, ca_file: fleet-ca.crt}  # relative to this file
 *   dev: {server: 127.0.0.1:8080, token: dev-admin-token, ca_file: ../../.run/tls/ca.crt}
 * </pre>
 *
 * Found at {@code --config}, else {@code $FLEETCTL_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/fleetctl/config.yaml} (~/.config when unset). A flag beats the
 * environment, which beats the file. A file named explicitly must exist; the default one may not.
 * The context is {@code --context}, else {@code $FLEETCTL_CONTEXT}, else {@code current-context}.
 */
record CliConfig(String server, String token, Path caFile, boolean plaintext, Path source) {

  static final CliConfig NONE = new CliConfig(null, null, null, false, null);
  private static final Set<String> KEYS = Set.of("server", "token", "ca_file", "plaintext");
  private static final String KNOWN = "server, token, ca_file, plaintext";
  private static final Set<String> CONTEXT_KEYS = Set.of("current-context", "contexts");

  /** A config file that cannot be used: a usage error (exit 2), named with the file. */
  static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message);
    }
  }

  /** The config file's path as --config, the environment and the default decide; whether it must exist. */
  record Location(Path path, boolean mustExist) {}

  static Location locate(Path explicit, Map<String, String> env) {
    if (explicit != null) {
      return new Location(explicit, true);
    }
    if (env.get("FLEETCTL_CONFIG") != null && !env.get("FLEETCTL_CONFIG").isBlank()) {
      return new Location(Path.of(env.get("FLEETCTL_CONFIG")), true);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
        : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
    return new Location(base.resolve("fleetctl").resolve("config.yaml"), false);
  }

  /** The file's YAML tree; null when there is no file (and none was asked for by name). */
  static JsonNode read(Location location) {
    Path path = location.path();
    if (!Files.exists(path)) {
      if (location.mustExist()) {
        throw new Problem("config file " + path + " does not exist");
      }
      return null;
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
    } catch (IOException e) {
      throw new Problem("config file " + path + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    if (!root.isObject()) {
      throw new Problem("config file " + path + " must be a mapping of keys (" + KNOWN + ", or contexts)");
    }
    return root;
  }

  /** The named contexts of a file that has them, in file order; empty for a file of top-level keys. */
  static Map<String, JsonNode> contexts(JsonNode root, Path path) {
    Map<String, JsonNode> contexts = new LinkedHashMap<>();
    if (root == null || !root.has("contexts")) {
      return contexts;
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!CONTEXT_KEYS.contains(name)) {
        throw new Problem("config file " + path + ": '" + name + "' beside 'contexts'; put it in a context");
      }
    }
    if (!root.get("contexts").isObject() || root.get("contexts").isEmpty()) {
      throw new Problem("config file " + path + ": 'contexts' must map names to {" + KNOWN + "}");
    }
    root.get("contexts").fields().forEachRemaining(each -> contexts.put(each.getKey(), each.getValue()));
    return contexts;
  }

  /** {@code context}: --context, or null to take $FLEETCTL_CONTEXT, else the file's current-context. */
  static CliConfig load(Path explicit, Map<String, String> env, String context) {
    Location location = locate(explicit, env);
    JsonNode root = read(location);
    Path path = location.path();
    if (context != null && context.isBlank()) {
      throw new Problem("--context needs a name");
    }
    Map<String, JsonNode> contexts = root == null ? Map.of() : contexts(root, path);
    if (contexts.isEmpty()) {
      // --context names one that must exist; $FLEETCTL_CONTEXT, set for other files, is not a reason to fail here.
      if (context != null) {
        throw new Problem("--context " + context + ": " + (root == null ? "there is no config file at " + path
            : "config file " + path + " has no contexts"));
      }
      return root == null ? NONE : parse(root, path, "config file " + path);
    }
    String wanted = context != null ? context
        : env.get("FLEETCTL_CONTEXT") != null && !env.get("FLEETCTL_CONTEXT").isBlank() ? env.get("FLEETCTL_CONTEXT")
        : null;
    if (wanted == null && root.has("current-context")) {
      if (!root.get("current-context").isTextual()) {
        throw new Problem("config file " + path + ": 'current-context' must be a context's name");
      }
      wanted = root.get("current-context").asText();
    }
    if (wanted == null) {
      throw new Problem("config file " + path + " has contexts " + contexts.keySet()
          + " and no current-context; pick one with fleetctl config use-context NAME, or --context NAME");
    }
    JsonNode chosen = contexts.get(wanted);
    if (chosen == null) {
      throw new Problem("config file " + path + " has no context '" + wanted + "' (it has " + contexts.keySet() + ")");
    }
    return context(chosen, path, wanted);
  }

  /** One named context, checked as load() checks it. */
  static CliConfig context(JsonNode context, Path path, String name) {
    if (context == null || !context.isObject()) {
      throw new Problem("config file " + path + ", context " + name + ": must be a mapping of keys (" + KNOWN + ")");
    }
    return parse(context, path, "config file " + path + ", context " + name);
  }

  /** One set of {server, token, ca_file, plaintext}; {@code where} names it in errors. */
  private static CliConfig parse(JsonNode root, Path path, String where) {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        throw new Problem(where + ": unknown key '" + name + "' (known: " + KNOWN + ")");
      }
      if (name.equals("plaintext")) {
        if (!root.get(name).isBoolean()) {
          throw new Problem(where + ": 'plaintext' must be true or false");
        }
      } else if (!root.get(name).isTextual()) {
        throw new Problem(where + ": '" + name + "' must be a string");
      }
    }
    String server = root.hasNonNull("server") ? root.get("server").asText() : null;
    if (server != null) {
      try {
        ServerAddress.parse(server);
      } catch (IllegalArgumentException e) {
        throw new Problem(where + ": server: " + e.getMessage());
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
      throw new Problem(where + ": 'plaintext: true' and 'ca_file' exclude each other");
    }
    return new CliConfig(server, root.hasNonNull("token") ? root.get("token").asText() : null, caFile, plaintext, path);
  }
}
