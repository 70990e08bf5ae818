package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fleetctl status}: the fleet at a glance (GetFleetSummary). */
@Command(name = "status", description = "Show how many devices are online, what they capture, and which policy they run.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin HelpOption help;
  @Mixin WatchOption watch;

  @Override
  public Integer call() throws Exception {
    Fleetctl fleetctl = Fleetctl.of(spec);
    return watch.run(fleetctl.out(), "fleetctl status", () -> {
      GetFleetSummaryResponse summary = fleetctl.connection().getFleetSummary();
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        printTable(fleetctl.out(), summary);
      } else {
        StructuredOutput.print(fleetctl.out(), format, summary);
      }
    });
  }

  private static void printTable(PrintWriter out, GetFleetSummaryResponse summary) {
    out.printf("Devices:       %d total, %d online, %d stale, %d offline%n",
        summary.getTotal(), summary.getOnline(), summary.getStale(), summary.getOffline());
    out.println("Capture:       " + inline(Counts.sorted(summary.getByCaptureStateMap(),
        key -> StateNames.shortName(key, StateNames.CAPTURE_PREFIX)), ""));
    out.println("Policy:        " + (summary.getByAppliedPolicyCount() == 0 ? "-" : summary.getByAppliedPolicyList().stream()
        .map(count -> Views.policy(count.getPolicy()) + " " + count.getDevices())
        .collect(Collectors.joining(", "))));
    out.println("Jurisdiction:  " + inline(Counts.sorted(summary.getByJurisdictionMap()), ""));
  }

  /** "active 8, paused 2", or "-" when there is nothing to count. */
  private static String inline(Map<String, Long> counts, String keyPrefix) {
    if (counts.isEmpty()) {
      return "-";
    }
    return counts.entrySet().stream()
        .map(entry -> keyPrefix + entry.getKey() + " " + entry.getValue())
        .collect(Collectors.joining(", "));
  }
}
