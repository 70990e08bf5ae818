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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
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
      PoliciesCommand.ListPolicies.class, PoliciesCommand.Diff.class, PoliciesCommand.Apply.class,
      PoliciesCommand.Assign.class
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
          "Prints 'no differences' when they are equal. With -f, exits 1 when the file differs from the",
          "latest version (0 when not), as diff(1) does; a failed call exits 1 too, with its error on stderr.",
          "Between two versions it exits 0.",
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
      return file != null && !hunks.isEmpty() ? ExitCodes.DIFFERENT : ExitCodes.OK;
    }

    /** One side of the diff; versions differ by definition, so they are not compared. */
    private record Side(String label, PolicyFile policy) {
      List<String> lines() {
        return comparable(policy);
      }
    }
  }

  /** A policy as its file's lines without the version: what "the same policy" means to diff and apply. */
  static List<String> comparable(PolicyFile policy) {
    return PolicyFileYaml.write(policy.withoutVersion()).lines().toList();
  }

  @Command(name = "apply",
      description = {"Make the server hold what policy files say: a policy it lacks is created, one that differs",
          "gets a new version, one that is the same is left alone. -f DIR takes every .yaml and .yml file in it,",
          "in name order. Every file is read and checked before anything is sent. Prints what it did per file;",
          "exits 0 when nothing changed too. -o json|yaml gives [{file, policy, action, version}]."})
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HelpOption help;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE|DIR",
        description = "A policy file (YAML), or a directory of them.")
    Path path;

    /** What apply did with one file. */
    private record Applied(Path file, String policy, String action, long version) {}

    @Override
    public Integer call() {
      Map<String, Path> fileOf = new TreeMap<>();
      List<Policy> drafts = new ArrayList<>();
      for (Path file : files()) {
        Policy draft = readFile(spec, file);
        Path earlier = fileOf.putIfAbsent(draft.getName(), file);
        if (earlier != null) {
          throw new ParameterException(spec.commandLine(),
              "policy " + draft.getName() + " is in both " + earlier + " and " + file + "; keep one");
        }
        drafts.add(draft);
      }
      Fleetctl fleetctl = Fleetctl.of(spec);
      AdminConnection connection = fleetctl.connection();
      Map<String, Policy> latest = new HashMap<>();
      ListPolicies.fetchAll(connection).forEach(policy -> latest.put(policy.getName(), policy));
      List<Applied> applied = new ArrayList<>();
      for (Policy draft : drafts) {
        Path file = fileOf.get(draft.getName());
        Policy stored = latest.get(draft.getName());
        if (stored == null) {
          Policy created = connection.call(AdminServiceClient::createPolicy,
              CreatePolicyRequest.newBuilder().setPolicy(draft).build()).getPolicy();
          applied.add(new Applied(file, created.getName(), "created", created.getVersion()));
        } else if (comparable(PolicyFileMapping.fromProto(stored)).equals(comparable(PolicyFileMapping.fromProto(draft)))) {
          applied.add(new Applied(file, stored.getName(), "unchanged", stored.getVersion()));
        } else {
          Policy updated = connection.call(AdminServiceClient::updatePolicy,
              UpdatePolicyRequest.newBuilder().setPolicy(draft).build()).getPolicy();
          applied.add(new Applied(file, updated.getName(), "updated", updated.getVersion()));
        }
        print(fleetctl, applied.get(applied.size() - 1));
      }
      if (fleetctl.options().output != OutputFormat.table) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        applied.forEach(a -> out.addObject().put("file", a.file().toString()).put("policy", a.policy())
            .put("action", a.action()).put("version", a.version()));
        StructuredOutput.print(fleetctl.out(), fleetctl.options().output, out);
      }
      return ExitCodes.OK;
    }

    /** As it goes, so a failure part way shows what was done before it. */
    private static void print(Fleetctl fleetctl, Applied a) {
      if (fleetctl.options().output == OutputFormat.table) {
        fleetctl.out().println(a.action() + " " + a.policy() + " version " + a.version() + " (" + a.file() + ")");
        fleetctl.out().flush();
      }
    }

    private List<Path> files() {
      if (!Files.isDirectory(path)) {
        if (!Files.isRegularFile(path)) {
          throw new ParameterException(spec.commandLine(), "-f " + path + ": no such file or directory");
        }
        return List.of(path);
      }
      try (Stream<Path> listing = Files.list(path)) {
        List<Path> files = listing
            .filter(f -> Files.isRegularFile(f) && (f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")))
            .sorted()
            .toList();
        if (files.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "-f " + path + ": the directory has no .yaml or .yml file");
        }
        return files;
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "-f " + path + ": cannot list it: " + e.getMessage());
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
