package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.ListPoliciesResponse;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import io.fleetcontrol.wire.WireTime;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fleetctl policies ...}: author versioned policies from YAML files (see
 * fleetctl/examples/policy.yaml), read them back in plain words or as the same file, compare
 * versions, and assign one to devices.
 */
@Command(
    name = "policies",
    description = "Create, update, inspect, compare and assign capture policies.",
    subcommands = {
      PoliciesCommand.Create.class, PoliciesCommand.Update.class, PoliciesCommand.Get.class,
      PoliciesCommand.ListPolicies.class, PoliciesCommand.Diff.class, PoliciesCommand.Assign.class
    })
final class PoliciesCommand {
  @Mixin HelpOption help;

  /** Policies per ListPolicies page. */
  static final int PAGE_SIZE = 100;

  /** The file as a proto; any problem with it is a usage error (exit 2) naming the key and line. */
  static Policy readFile(CommandSpec spec, Path file) {
    try {
      return PolicyFileMapping.toProto(PolicyFileYaml.read(file));
    } catch (PolicyFile.FileError e) {
      throw new ParameterException(spec.commandLine(), e.describe(file));
    }
  }

  /** {@code --version N}: absent means the latest (0 on the wire), which cannot be asked for as 0. */
  static long version(CommandSpec spec, String option, Long version) {
    if (version == null) {
      return 0;
    }
    if (version < 1) {
      throw new ParameterException(spec.commandLine(), option + " must be at least 1, got " + version);
    }
    return version;
  }

  static Policy fetch(Fleetctl fleetctl, String name, long version) {
    return fleetctl.connection()
        .call(AdminServiceClient::getPolicy, GetPolicyRequest.newBuilder().setName(name).setVersion(version).build())
        .getPolicy();
  }

  /** The stored policy: -o yaml is the file format, -o json the same tree, table the given sentence. */
  private static void printStored(Fleetctl fleetctl, Policy stored, String sentence) {
    OutputFormat format = fleetctl.options().output;
    switch (format) {
      case table -> fleetctl.out().println(sentence);
      case yaml -> fleetctl.out().print(PolicyFileYaml.write(PolicyFileMapping.fromProto(stored)));
      case json -> StructuredOutput.print(fleetctl.out(), format, PolicyFileYaml.tree(PolicyFileMapping.fromProto(stored)));
    }
  }

  /** Runs a call, adding a hint to the server's refusal when {@code code} comes back. */
  private static <T> T withHint(Supplier<T> call, Status.Code code, String hint) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (!(t instanceof StatusRuntimeException refused) || refused.getStatus().getCode() != code) {
        throw e;
      }
      String description = refused.getStatus().getDescription();
      throw refused.getStatus().withDescription((description == null ? "" : description + " ") + "(" + hint + ")")
          .asRuntimeException();
    }
  }

  @Command(name = "create", description = "Create a policy from a YAML file; it is stored as version 1.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The policy file (YAML).")
    Path file;

    @Override
    public Integer call() {
      Policy draft = readFile(spec, file);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Policy created = withHint(() -> fleetctl.connection()
              .call(AdminServiceClient::createPolicy, CreatePolicyRequest.newBuilder().setPolicy(draft).build())
              .getPolicy(),
          Status.Code.ALREADY_EXISTS, "store a new version with 'fleetctl policies update -f " + file + "'");
      printStored(fleetctl, created, "created " + created.getName() + " version " + created.getVersion());
      return ExitCodes.OK;
    }
  }

  @Command(name = "update", description = "Store a YAML file as the next version of the policy it names.")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
        description = "The policy file (YAML), e.g. edited from 'policies get NAME -o yaml'; its version key is ignored.")
    Path file;

    @Override
    public Integer call() {
      Policy draft = readFile(spec, file);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Policy updated = withHint(() -> fleetctl.connection()
              .call(AdminServiceClient::updatePolicy, UpdatePolicyRequest.newBuilder().setPolicy(draft).build())
              .getPolicy(),
          Status.Code.NOT_FOUND, "create it with 'fleetctl policies create -f " + file + "'");
      printStored(fleetctl, updated, "updated " + updated.getName() + " to version " + updated.getVersion());
      return ExitCodes.OK;
    }
  }

  @Command(name = "get", description = "Show a policy: in plain words, or with -o yaml as a file 'policies update' takes.")
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME", description = "The policy name.")
    String name;

    @Option(names = "--version", paramLabel = "N", description = "A stored version (default: the latest).")
    Long version;

    @Override
    public Integer call() {
      long wanted = version(spec, "--version", version);
      Fleetctl fleetctl = Fleetctl.of(spec);
      Policy policy = fetch(fleetctl, name, wanted);
      OutputFormat format = fleetctl.options().output;
      switch (format) {
        case table -> PolicyWords.print(fleetctl.out(), policy);
        case yaml -> fleetctl.out().print(PolicyFileYaml.write(PolicyFileMapping.fromProto(policy)));
        case json -> StructuredOutput.print(fleetctl.out(), format, PolicyFileYaml.tree(PolicyFileMapping.fromProto(policy)));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", description = "List policies, each at its latest version.")
  static final class ListPolicies implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Fleetctl fleetctl = Fleetctl.of(spec);
      List<Policy> policies = fetchAll(fleetctl.connection());
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        Table table = new Table("NAME", "VERSION", "CREATED", "KINDS", "ALLOW", "DENY", "WHERE", "DESCRIPTION");
        for (Policy p : policies) {
          table.row(p.getName(), String.valueOf(p.getVersion()),
              p.hasCreateTime() ? WireTime.fromProto(p.getCreateTime()).toString() : "-",
              String.valueOf(p.getCaptureKindsCount()), String.valueOf(p.getAllowlistCount()),
              String.valueOf(p.getDenylistCount()), String.join(",", p.getJurisdictionsList()), p.getDescription());
        }
        table.print(fleetctl.out(), "");
      } else {
        StructuredOutput.print(fleetctl.out(), format, ListPoliciesResponse.newBuilder().addAllPolicies(policies).build());
      }
      return ExitCodes.OK;
    }

    /** Follows next_page_token to the last page. */
    static List<Policy> fetchAll(AdminConnection connection) {
      return Pages.collect(ListPoliciesRequest.newBuilder().setPageSize(PAGE_SIZE).build(),
          request -> connection.call(AdminServiceClient::listPolicies, request),
          ListPoliciesResponse::getPoliciesList, ListPoliciesResponse::getNextPageToken,
          (request, token) -> request.toBuilder().setPageToken(token).build(), Integer.MAX_VALUE);
    }
  }

  @Command(name = "diff",
      description = {"Compare two versions, or the latest version with a file, as a unified diff of their YAML.",
          "Exits 0 whether or not they differ and prints 'no differences' when they are equal;",
          "-o json|yaml gives {from, to, differs, lines}."})
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME", description = "The policy name.")
    String name;

    @Option(names = "--from", paramLabel = "N", description = "The older version.")
    Long from;

    @Option(names = "--to", paramLabel = "M", description = "The newer version (default: the latest).")
    Long to;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Compare the latest version with this file.")
    Path file;

    @Override
    public Integer call() {
      if ((file == null) == (from == null) || (file != null && to != null)) {
        throw new ParameterException(spec.commandLine(), "give either --from N [--to M] or -f FILE");
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      Side left;
      Side right;
      if (file != null) {
        // Through the proto, so the file reads as the server would store it; comments and layout do not count.
        PolicyFile draft = PolicyFileMapping.fromProto(readFile(spec, file));
        Policy latest = fetch(fleetctl, name, 0);
        left = new Side(name + " v" + latest.getVersion(), PolicyFileMapping.fromProto(latest));
        right = new Side(file.toString(), draft);
      } else {
        long older = version(spec, "--from", from);
        long newer = version(spec, "--to", to);
        Policy a = fetch(fleetctl, name, older);
        Policy b = fetch(fleetctl, name, newer);
        left = new Side(name + " v" + a.getVersion(), PolicyFileMapping.fromProto(a));
        right = new Side(name + " v" + b.getVersion(), PolicyFileMapping.fromProto(b));
      }
      List<String> hunks = LineDiff.unified(left.lines(), right.lines(), LineDiff.CONTEXT);
      PrintWriter out = fleetctl.out();
      OutputFormat format = fleetctl.options().output;
      if (format != OutputFormat.table) {
        ObjectNode node = JsonNodeFactory.instance.objectNode()
            .put("from", left.label())
            .put("to", right.label())
            .put("differs", !hunks.isEmpty());
        ArrayNode lines = node.putArray("lines");
        hunks.forEach(lines::add);
        StructuredOutput.print(out, format, node);
      } else if (hunks.isEmpty()) {
        out.println("no differences");
      } else {
        out.println("--- " + left.label());
        out.println("+++ " + right.label());
        hunks.forEach(out::println);
      }
      return ExitCodes.OK;
    }

    /** One side of the diff; versions differ by definition, so they are not compared. */
    private record Side(String label, PolicyFile policy) {
      List<String> lines() {
        return PolicyFileYaml.write(policy.withoutVersion()).lines().toList();
      }
    }
  }

  @Command(name = "assign",
      description = "Assign a policy version to devices; the controller pushes it to them at once.")
  static final class Assign implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Parameters(paramLabel = "NAME", description = "The policy name.")
    String name;

    @Option(names = "--version", paramLabel = "N",
        description = "A stored version (default: the latest, looked up first so the output names it).")
    Long version;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selector selector;

    /** Exactly one kind of selector, as DeviceSelector takes. */
    static final class Selector {
      @Option(names = "--all", required = true, description = "Every enrolled device.")
      boolean all;

      @Option(names = "--label", required = true, paramLabel = "KEY=VALUE",
          description = "Devices with this label; repeat to require several.")
      List<String> labels;

      @Option(names = "--device", required = true, paramLabel = "ID", description = "This device; repeat for several.")
      List<String> devices;
    }

    @Override
    public Integer call() {
      long wanted = version(spec, "--version", version);
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
      // AssignPolicyResponse does not say which version "latest" was: pin it first, so what is printed is what was assigned.
      long assigned = wanted != 0 ? wanted : fetch(fleetctl, name, 0).getVersion();
      AssignPolicyResponse response = fleetctl.connection().call(AdminServiceClient::assignPolicy,
          AssignPolicyRequest.newBuilder().setPolicyName(name).setPolicyVersion(assigned).setSelector(target).build());
      long count = response.getAssignedDeviceCount();
      OutputFormat format = fleetctl.options().output;
      if (format == OutputFormat.table) {
        fleetctl.out().printf("assigned %s v%d to %d device%s%n", name, assigned, count, count == 1 ? "" : "s");
      } else {
        ObjectNode node = JsonNodeFactory.instance.objectNode()
            .put("policy_name", name)
            .put("policy_version", assigned)
            .put("assigned_device_count", count);
        StructuredOutput.print(fleetctl.out(), format, node);
      }
      return ExitCodes.OK;
    }
  }
}
