package io.fleetcontrol.agent.cli;

import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Entry point: {@code run} for a laptop, {@code simulate} for a fleet in one JVM. */
@Command(
    name = "fleet-agent",
    mixinStandardHelpOptions = true,
    description = "Fleet device agent: the capture gate on this laptop, its link to the controller, and your controls.",
    subcommands = {
      RunCommand.class,
      EmployeeCommands.Status.class,
      EmployeeCommands.Policy.class,
      EmployeeCommands.Pause.class,
      EmployeeCommands.Resume.class,
      EmployeeCommands.Exemption.class,
      EmployeeCommands.Notice.class,
      EmployeeCommands.Page.class,
      SimulateCommand.class,
      AutoComplete.GenerateCompletion.class
    })
public final class AgentMain implements Runnable {

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    // As in the controller's Main: with a common-pool parallelism of 1 (2 cores) every async
    // continuation of a CompletableFuture gets a thread of its own; the simulator makes many.
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
          String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
    // Logging set up before any thread logs, so SLF4J has nothing to replay onto the employee's terminal.
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line with its output on {@code out} and {@code err}; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine line = new CommandLine(new AgentMain()).setOut(out).setErr(err);
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: run, status, policy, pause, resume, exemption, notice, page, simulate or generate-completion");
  }
}
