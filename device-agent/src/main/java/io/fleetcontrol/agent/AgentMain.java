package io.fleetcontrol.agent;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Entry point: {@code run} for a laptop, {@code simulate} for a fleet in one JVM. */
@Command(
    name = "device-agent",
    mixinStandardHelpOptions = true,
    description = "Fleet device agent: enrolls, holds the controller stream, applies policy.",
    subcommands = {RunCommand.class, SimulateCommand.class})
public final class AgentMain implements Runnable {

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentMain()).execute(args));
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: run or simulate");
  }
}
