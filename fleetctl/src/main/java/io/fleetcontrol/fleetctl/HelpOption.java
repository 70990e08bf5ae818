package io.fleetcontrol.fleetctl;

import picocli.CommandLine.Option;

/**
 * {@code -h/--help}, mixed into each command. Not an inherited global option: picocli's
 * generate-completion brings its own -h, and two would clash.
 */
final class HelpOption {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean requested;
}
