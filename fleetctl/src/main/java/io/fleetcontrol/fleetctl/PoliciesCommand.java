package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fleetctl policies ...}: author versioned policies from YAML files and assign them. */
@Command(
    name = "policies",
    description = "Create, update, inspect, compare and assign capture policies.",
    subcommands = {
      PoliciesCommand.Create.class, PoliciesCommand.Update.class, PoliciesCommand.Get.class,
      PoliciesCommand.ListPolicies.class, PoliciesCommand.Diff.class, PoliciesCommand.Assign.class
    })
final class PoliciesCommand {
  @Mixin HelpOption help;

  private static Policy readFile(CommandSpec spec, Path file) {
    try {
      return PolicyFile.read(file);
    } catch (PolicyFile.FileError e) {
      throw new ParameterException(spec.commandLine(), file + ": " + e.getMessage());
    }
  }

  private static void print(Fleetctl fleetctl, Policy policy) {
    OutputFormat format = fleetctl.options().output;
    if (format == OutputFormat.yaml) {
      fleetctl.out().print(PolicyFile.toYaml(policy));
    } else if (format == OutputFormat.json) {
      StructuredOutput.print(fleetctl.out(), format, PolicyFile.toTree(policy));
    } else {
      describe(fleetctl.out(), policy);
    }
  }

  /** The policy in plain words. */
  static void describe(PrintWriter out, Policy p) {
    out.printf("policy %s version %d%n", p.getName(), p.getVersion());
    out.printf("  captures:      %s%n", String.join(", ", p.getCaptureKindsList().stream().map(PolicyFile::word).toList()));
    out.printf("  allowed in:    %s%n", targets(p.getAllowlistList()));
    out.printf("  never in:      %s%n", targets(p.getDenylistList()));
    out.printf("  pause:         up to %s, %s%n", PolicyFile.words(p.getPause().getMaxPause()),
        p.getPause().getPausesPerDay() == 0 ? "no daily limit" : p.getPause().getPausesPerDay() + " per day");
    if (p.hasSchedule()) {
      out.printf("  hours:         %s-%s on days %s (device time)%n", p.getSchedule().getStartLocalTime(),
          p.getSchedule().getEndLocalTime(), p.getSchedule().getDaysList());
    } else {
      out.println("  hours:         any time");
    }
    var b = p.getBandwidth();
    out.printf("  uploads:       %s a day, %s a month, metered network: %s%n", bytes(b.getDailyUploadCapBytes()),
        bytes(b.getMonthlyUploadCapBytes()), b.getMeteredNetworkAction().name()
            .replace("METERED_NETWORK_ACTION_", "").toLowerCase(java.util.Locale.ROOT));
    out.printf("  battery:       %s%s%n", p.getBattery().getMinPercentUnplugged() == 0 ? "no minimum"
            : "stops below " + p.getBattery().getMinPercentUnplugged() + "% unplugged",
        p.getBattery().getScreenshotsOnlyWhileCharging() ? ", screenshots only while charging" : "");
    out.printf("  where:         %s%n", String.join(", ", p.getJurisdictionsList()));
    out.printf("  offline limit: %s, heartbeat every %s%n", PolicyFile.words(p.getOfflineLimit()),
        PolicyFile.words(p.getHeartbeatInterval()));
    if (!p.getNoticeText().isEmpty()) {
      out.printf("  notice:        %s%n", p.getNoticeText().strip().replace("\n", "\n                 "));
    }
  }

  private static String targets(List<TargetRule> rules) {
    if (rules.isEmpty()) {
      return "-";
    }
    List<String> out = new ArrayList<>();
    for (TargetRule r : rules) {
      String target = r.getTargetCase() == TargetRule.TargetCase.APP_ID ? r.getAppId() : r.getSitePattern();
      out.add(r.getKindsCount() == 0 ? target
          : target + " (" + String.join(", ", r.getKindsList().stream().map(PolicyFile::word).toList()) + ")");
    }
    return String.join(", ", out);
  }

  private static String bytes(long n) {
    return n == 0 ? "no cap" : n % 1_000_000_000 == 0 ? n / 1_000_000_000 + " GB"
        : n % 1_000_000 == 0 ? n / 1_000_000 + " MB" : n + " bytes";
  }

  @Command(name = "create", description = "Create a policy from a YAML file; it becomes version 1.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file.")
    Path file;

    @Override
    public Integer call() {
      Policy draft = readFile(spec, file);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Policy created = fleetctl.connection()
          .call(AdminServiceClient::createPolicy, CreatePolicyRequest.newBuilder().setPolicy(draft).build())
          .getPolicy();
      fleetctl.out().printf("created %s version %d%n", created.getName(), created.getVersion());
      return ExitCodes.OK;
    }
  }

  @Command(name = "update", description = "Store a YAML file as the next version of its policy.")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file.")
    Path file;

    @Override
    public Integer call() {
      Policy draft = readFile(spec, file);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Policy updated = fleetctl.connection()
          .call(AdminServiceClient::updatePolicy, UpdatePolicyRequest.newBuilder().setPolicy(draft).build())
          .getPolicy();
      fleetctl.out().printf("updated %s to version %d%n", updated.getName(), updated.getVersion());
      return ExitCodes.OK;
    }
  }

  @Command(name = "get", description = "Show a policy (latest version unless --version).")
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--version", paramLabel = "N", description = "A stored version (default: the latest).")
    long version;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      print(fleetctl, fetch(fleetctl, name, version));
      return ExitCodes.OK;
    }
  }

  static Policy fetch(Fleetctl fleetctl, String name, long version) {
    return fleetctl.connection()
        .call(AdminServiceClient::getPolicy, GetPolicyRequest.newBuilder().setName(name).setVersion(version).build())
        .getPolicy();
  }

  @Command(name = "list", description = "List policies with their latest version.")
  static final class ListPolicies implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      List<Policy> policies = fleetctl.connection()
          .call(AdminServiceClient::listPolicies, ListPoliciesRequest.getDefaultInstance())
          .getPoliciesList();
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        Table table = new Table("NAME", "VERSION", "KINDS", "ALLOW", "DENY", "WHERE");
        for (Policy p : policies) {
          table.row(p.getName(), String.valueOf(p.getVersion()), String.valueOf(p.getCaptureKindsCount()),
              String.valueOf(p.getAllowlistCount()), String.valueOf(p.getDenylistCount()),
              String.join(",", p.getJurisdictionsList()));
        }
        table.print(fleetctl.out(), "");
      } else {
        var list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        var array = list.putArray("policies");
        policies.forEach(p -> array.add(PolicyFile.toTree(p)));
        StructuredOutput.print(fleetctl.out(), format, list);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "diff", description = "Line diff of two versions, or of the latest version and a file.")
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--from", paramLabel = "N", description = "Older version.") Long from;
    @Option(names = "--to", paramLabel = "N", description = "Newer version (default: the latest).") Long to;
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Compare the latest version with this file.")
    Path file;

    @Override
    public Integer call() {
      if ((file == null) == (from == null)) {
        throw new ParameterException(spec.commandLine(), "give either --from N [--to M] or -f FILE");
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      String left;
      String right;
      String leftLabel;
      String rightLabel;
      if (file != null) {
        Policy draft = readFile(spec, file);
        Policy latest = fetch(fleetctl, name, 0);
        left = PolicyFile.toYaml(latest.toBuilder().setVersion(0).build());
        right = PolicyFile.toYaml(draft);
        leftLabel = name + " v" + latest.getVersion();
        rightLabel = file.toString();
      } else {
        Policy older = fetch(fleetctl, name, from);
        Policy newer = fetch(fleetctl, name, to == null ? 0 : to);
        left = PolicyFile.toYaml(older.toBuilder().setVersion(0).build());
        right = PolicyFile.toYaml(newer.toBuilder().setVersion(0).build());
        leftLabel = name + " v" + older.getVersion();
        rightLabel = name + " v" + newer.getVersion();
      }
      List<String> lines = LineDiff.diff(left.lines().toList(), right.lines().toList());
      PrintWriter out = fleetctl.out();
      if (lines.stream().noneMatch(l -> l.startsWith("+") || l.startsWith("-"))) {
        out.println("no differences");
      } else {
        out.println("--- " + leftLabel);
        out.println("+++ " + rightLabel);
        lines.forEach(out::println);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "assign", description = "Assign a policy version to devices (pushed to them at once).")
  static final class Assign implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--version", paramLabel = "N", description = "A stored version (default: the latest).")
    long version;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selector selector;

    static final class Selector {
      @Option(names = "--all", required = true, description = "Every enrolled device.") boolean all;
      @Option(names = "--label", required = true, paramLabel = "KEY=VALUE",
          description = "Devices with all these labels (repeatable).")
      List<String> labels;
      @Option(names = "--device", required = true, paramLabel = "ID", description = "These devices (repeatable).")
      List<String> devices;
    }

    @Override
    public Integer call() {
      DeviceSelector.Builder target = DeviceSelector.newBuilder();
      if (selector.all) {
        target.setAll(true);
      } else if (selector.labels != null) {
        for (String label : selector.labels) {
          if (label.indexOf('=') < 1) {
            throw new ParameterException(spec.commandLine(), "--label must be KEY=VALUE, got '" + label + "'");
          }
        }
        target.addAllLabels(selector.labels);
      } else {
        target.addAllDeviceIds(selector.devices);
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      AssignPolicyResponse response = fleetctl.connection().call(AdminServiceClient::assignPolicy,
          AssignPolicyRequest.newBuilder().setPolicyName(name).setPolicyVersion(version).setSelector(target).build());
      fleetctl.out().printf("assigned %s%s to %d devices%n", name, version == 0 ? " (latest)" : " v" + version,
          response.getAssignedDeviceCount());
      return ExitCodes.OK;
    }
  }
}
