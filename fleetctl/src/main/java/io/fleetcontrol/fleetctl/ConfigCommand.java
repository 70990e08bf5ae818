package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The config file's contexts, kubectl-style: list them, pick the current one. Nothing here calls the server. */
@Command(
    name = "config",
    description = "Show and pick the config file's contexts (named servers with their token and CA).",
    subcommands = {ConfigCommand.GetContexts.class, ConfigCommand.UseContext.class})
final class ConfigCommand {
  @Mixin HelpOption help;

  @Command(name = "get-contexts", description = "List the contexts: name, server, and which is current (never a token).")
  static final class GetContexts implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      GlobalOptions options = fleetctl.options();
      CliConfig.Location location = CliConfig.locate(options.configFile, options.env);
      JsonNode root = CliConfig.read(location);
      if (root == null) {
        fleetctl.out().println("no config file at " + location.path());
        return ExitCodes.OK;
      }
      Map<String, JsonNode> contexts = CliConfig.contexts(root, location.path());
      String current = root != null && root.hasNonNull("current-context") ? root.get("current-context").asText() : "";
      if (options.output == OutputFormat.table) {
        Table table = new Table("CURRENT", "NAME", "SERVER");
        contexts.forEach((name, context) ->
            table.row(name.equals(current) ? "*" : "", name, context.path("server").asText("-")));
        if (contexts.isEmpty()) {
          fleetctl.out().println("no contexts in " + location.path() + " (its top-level keys are the only settings)");
        } else {
          table.print(fleetctl.out(), "");
        }
      } else {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        contexts.forEach((name, context) -> list.addObject().put("name", name)
            .put("server", context.path("server").asText("")).put("current", name.equals(current)));
        StructuredOutput.print(fleetctl.out(), options.output, list);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "use-context",
      description = {"Make NAME the config file's current context. The file is written again as YAML;",
          "its comments are not kept."})
  static final class UseContext implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME", description = "A context the config file has.")
    String name;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      GlobalOptions options = fleetctl.options();
      CliConfig.Location location = CliConfig.locate(options.configFile, options.env);
      JsonNode root = CliConfig.read(new CliConfig.Location(location.path(), true));
      Map<String, JsonNode> contexts = CliConfig.contexts(root, location.path());
      if (!contexts.containsKey(name)) {
        throw new ParameterException(spec.commandLine(), "config file " + location.path() + " has no context '" + name
            + "'" + (contexts.isEmpty() ? " (it has no contexts)" : " (it has " + contexts.keySet() + ")"));
      }
      // Checked as every later command will read it: never switch to a context that cannot be used.
      CliConfig.context(contexts.get(name), location.path(), name);
      ((ObjectNode) root).put("current-context", name);
      Path file = location.path().toAbsolutePath();
      try {
        // Beside the file, then moved over it: a crash leaves the old file (it may hold tokens), and
        // the new one gets the old one's permissions.
        Path written = Files.createTempFile(file.getParent(), ".fleetctl-config", ".yaml");
        try {
          Files.setPosixFilePermissions(written, Files.getPosixFilePermissions(file));
        } catch (UnsupportedOperationException notPosix) {
          // The temporary file's own permissions (owner only, where the file system has them).
        }
        Files.writeString(written, new ObjectMapper(new YAMLFactory()).writeValueAsString(root));
        Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new CliConfig.Problem("cannot write config file " + location.path() + ": " + e.getMessage());
      }
      fleetctl.out().println("current context: " + name + " (" + contexts.get(name).path("server").asText("-") + ")");
      return ExitCodes.OK;
    }
  }
}
