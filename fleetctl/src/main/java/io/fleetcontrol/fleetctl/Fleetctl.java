package io.fleetcontrol.fleetctl;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The admin CLI. One class per noun, verbs as its subcommands; {@link #run} is the whole program
 * with its streams passed in, so tests call it like a shell would.
 */
@Command(
    name = "fleetctl",
    description = "Administer the device fleet through the control plane's AdminService.",
    subcommands = {StatusCommand.class, DevicesCommand.class, PoliciesCommand.class, ExemptionsCommand.class,
        RolloutsCommand.class, AuditCommand.class, EnrollTokensCommand.class, ConfigCommand.class, VersionCommand.class,
        AutoComplete.GenerateCompletion.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:error (server unavailable, permission denied, internal, ...)",
      "2:usage error",
      "3:not found"
    })
public final class Fleetctl {
  private static final String NAME = "fleetctl";

  @Mixin GlobalOptions options;
  @Mixin HelpOption help;
  @Spec CommandSpec spec;
  private AdminConnection connection;
  private PrintWriter out;

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  /** As {@link #run(String[], PrintStream, PrintStream)} with the environment given, for tests. */
  static int run(String[] args, PrintStream out, PrintStream err, java.util.Map<String, String> env) {
    Fleetctl fleetctl = new Fleetctl();
    CommandLine cli = new CommandLine(fleetctl)
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .setParameterExceptionHandler(Fleetctl::reportUsageError)
        .setExecutionExceptionHandler(fleetctl::reportFailure);
    fleetctl.options.env = env; // the mixin exists once picocli has built the command
    // picocli hides generate-completion by default; show it so people find it.
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    try {
      return cli.execute(args);
    } finally {
      fleetctl.closeConnection();
      cli.getOut().flush();
      cli.getErr().flush();
    }
  }

  /** The root command, from the spec of any subcommand. */
  static Fleetctl of(CommandSpec spec) {
    return (Fleetctl) spec.root().userObject();
  }

  GlobalOptions options() {
    return options;
  }

  /** Where every command prints: what devices and callers wrote is escaped here, once for all output. */
  PrintWriter out() {
    if (out == null) {
      out = TerminalText.escaping(spec.commandLine().getOut());
    }
    return out;
  }

  /** Opened on first use and closed by {@link #run}: at most one client per invocation. */
  AdminConnection connection() {
    if (connection == null) {
      // Resolved before the connection exists: a refused transport sends nothing.
      connection = new AdminConnection(options.server(), options.tokenOrNull(), options.timeout, options.transport());
    }
    return connection;
  }

  private void closeConnection() {
    if (connection != null) {
      connection.close();
    }
  }

  /** One line on stderr for anything a command throws, e.g. "fleetctl: devices get: NOT_FOUND: ...". */
  private int reportFailure(Exception thrown, CommandLine failed, ParseResult parsed) {
    Failure failure = Failure.of(thrown, options, connection == null ? null : connection.transport());
    // A server's description may quote what a device sent.
    failed.getErr().println(NAME + ": " + commandPath(failed) + ": " + io.fleetcontrol.wire.SafeText.escape(failure.message()));
    return failure.exitCode();
  }

  /** Picocli would print the whole usage; scripts and people get one line and a pointer instead. */
  private static int reportUsageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String message = e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
    cmd.getErr().println(NAME + ": " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
    return ExitCodes.USAGE;
  }

  /** "devices get" for "fleetctl devices get". */
  private static String commandPath(CommandLine cmd) {
    String qualified = cmd.getCommandSpec().qualifiedName();
    return qualified.startsWith(NAME + " ") ? qualified.substring(NAME.length() + 1) : qualified;
  }
}
