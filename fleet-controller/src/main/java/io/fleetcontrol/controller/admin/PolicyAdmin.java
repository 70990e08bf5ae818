package io.fleetcontrol.controller.admin;

import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyValidator;
import io.fleetcontrol.policy.PolicyViolation;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.AssignPolicyResponse;
import io.fleetcontrol.proto.v1.CreatePolicyRequest;
import io.fleetcontrol.proto.v1.CreatePolicyResponse;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.GetPolicyResponse;
import io.fleetcontrol.proto.v1.ListPoliciesRequest;
import io.fleetcontrol.proto.v1.ListPoliciesResponse;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import io.fleetcontrol.proto.v1.UpdatePolicyResponse;
import io.fleetcontrol.wire.PolicyWire;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/** Policy authoring and assignment behind the admin API: validate at the edge, then the entities. */
public final class PolicyAdmin {

  /** Assignments in flight at once: a large fleet is not hit at the same moment. */
  private static final int ASSIGN_PARALLELISM = 32;
  /** Devices one selector names by id: each is checked before anything is assigned. */
  static final int MAX_SELECTOR_DEVICE_IDS = 10_000;

  private final ActorSystem<?> system;
  private final EntityRefs entities;
  private final DeviceStore directory;
  private final KnownDevices knownDevices;
  private final Duration askTimeout;

  public PolicyAdmin(ActorSystem<?> system, EntityRefs entities, DeviceStore directory, KnownDevices knownDevices,
      Duration askTimeout) {
    this.system = system;
    this.entities = entities;
    this.directory = directory;
    this.knownDevices = knownDevices;
    this.askTimeout = askTimeout;
  }

  // ---- the admin API's calls ----

  public CompletionStage<CreatePolicyResponse> create(CreatePolicyRequest in, String by) {
    return create(in.getPolicy(), by)
        .thenApply(p -> CreatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build());
  }

  public CompletionStage<UpdatePolicyResponse> update(UpdatePolicyRequest in, String by) {
    return update(in.getPolicy(), by)
        .thenApply(p -> UpdatePolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build());
  }

  public CompletionStage<GetPolicyResponse> get(GetPolicyRequest in) {
    return get(in.getName(), in.getVersion())
        .thenApply(p -> GetPolicyResponse.newBuilder().setPolicy(PolicyWire.toProto(p)).build());
  }

  /** Policies are few: one page holds them all. */
  public CompletionStage<ListPoliciesResponse> list(ListPoliciesRequest in) {
    PageTokens.pageSize(in.getPageSize());
    if (!in.getPageToken().isEmpty()) {
      throw InputRules.invalid("page_token is not a token this server issued");
    }
    return list().thenApply(all -> ListPoliciesResponse.newBuilder()
        .addAllPolicies(all.stream().map(PolicyWire::toProto).toList())
        .build());
  }

  /** The document as the domain sees it, or INVALID_ARGUMENT naming every bad field. */
  static Policy readValid(io.fleetcontrol.proto.v1.Policy proto) {
    PolicyWire.Read read = PolicyWire.fromProto(proto);
    List<String> problems = new ArrayList<>(read.problems());
    if (problems.isEmpty()) {
      for (PolicyViolation v : PolicyValidator.validate(read.policy())) {
        problems.add(v.field() + ": " + v.message());
      }
    }
    if (!problems.isEmpty()) {
      throw InputRules.invalid("the policy is not valid: " + String.join("; ", problems));
    }
    return read.policy();
  }

  public CompletionStage<Policy> create(io.fleetcontrol.proto.v1.Policy proto, String author) {
    Policy draft = readValid(proto);
    return entities.catalog()
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.CreatePolicy(draft, author, replyTo), askTimeout)
        .exceptionally(failure -> { throw GrpcErrors.fromAsk("create policy " + draft.name(), failure); });
  }

  public CompletionStage<Policy> update(io.fleetcontrol.proto.v1.Policy proto, String author) {
    Policy draft = readValid(proto);
    return entities.catalog()
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.UpdatePolicy(draft, author, replyTo), askTimeout)
        .exceptionally(failure -> { throw GrpcErrors.fromAsk("update policy " + draft.name(), failure); });
  }

  public CompletionStage<Policy> get(String name, long version) {
    if (name.isEmpty()) {
      throw InputRules.invalid("name is required");
    }
    if (name.length() > io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS) {
      throw InputRules.invalid("name must be at most " + io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS
          + " characters (got " + name.length() + ")");
    }
    if (version < 0) {
      throw InputRules.invalid("version must be 0 (latest) or a version number (got " + version + ")");
    }
    return entities.catalog()
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.GetPolicy(name, version, replyTo), askTimeout)
        .exceptionally(failure -> { throw GrpcErrors.fromAsk("get policy " + name, failure); });
  }

  public CompletionStage<List<Policy>> list() {
    return entities.catalog()
        .<PolicyCatalog.PolicyList>askWithStatus(PolicyCatalog.ListPolicies::new, askTimeout)
        .thenApply(PolicyCatalog.PolicyList::latest)
        .exceptionally(failure -> { throw GrpcErrors.fromAsk("list policies", failure); });
  }

  /**
   * Assigns a stored version to the selected devices. Explicit device ids must all be enrolled,
   * or nothing is assigned; labels and "all" select from the device directory.
   */
  public CompletionStage<AssignPolicyResponse> assign(AssignPolicyRequest in, String by) {
    if (in.getPolicyName().isEmpty()) {
      throw InputRules.invalid("policy_name is required");
    }
    Map<String, String> labels = selectorLabels(in.getSelector());
    List<String> explicitIds = in.getSelector().getDeviceIdsList();
    explicitIds.forEach(id -> InputRules.deviceId("selector.device_ids", id));
    return get(in.getPolicyName(), in.getPolicyVersion())
        .thenCompose(policy -> {
          CompletionStage<List<String>> targets =
              explicitIds.isEmpty() ? selectFromDirectory(in.getSelector().getAll(), labels) : allEnrolled(explicitIds);
          return targets.thenCompose(ids -> assignEach(policy, ids, by));
        })
        .thenApply(count -> AssignPolicyResponse.newBuilder().setAssignedDeviceCount(count).build());
  }

  public static Map<String, String> selectorLabels(DeviceSelector selector) {
    int kinds = (selector.getAll() ? 1 : 0) + (selector.getLabelsCount() > 0 ? 1 : 0)
        + (selector.getDeviceIdsCount() > 0 ? 1 : 0);
    if (kinds != 1) {
      throw InputRules.invalid("selector must name exactly one of all, labels or device_ids");
    }
    if (selector.getLabelsCount() > InputRules.MAX_LABELS) {
      throw InputRules.invalid("selector.labels: at most " + InputRules.MAX_LABELS + " labels (got "
          + selector.getLabelsCount() + ")");
    }
    if (selector.getDeviceIdsCount() > MAX_SELECTOR_DEVICE_IDS) {
      throw InputRules.invalid("selector.device_ids: at most " + MAX_SELECTOR_DEVICE_IDS
          + " devices by id; select more by labels or all (got " + selector.getDeviceIdsCount() + ")");
    }
    Map<String, String> labels = new java.util.HashMap<>();
    for (String label : selector.getLabelsList()) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw InputRules.invalid("selector.labels: " + InputRules.describe(label) + " must be key=value");
      }
      labels.put(label.substring(0, eq), label.substring(eq + 1));
    }
    return labels;
  }

  private CompletionStage<List<String>> selectFromDirectory(boolean all, Map<String, String> labels) {
    List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
    return directory.forEach(entry -> {
      if (all || entry.labels().entrySet().containsAll(labels.entrySet())) {
        ids.add(entry.deviceId());
      }
    }).thenApply(done -> List.copyOf(ids));
  }

  /** Checked on the read side, so a list of made-up ids starts no entity. */
  public CompletionStage<List<String>> allEnrolled(List<String> ids) {
    return Source.from(ids)
        .mapAsync(ASSIGN_PARALLELISM, knownDevices::require)
        .runWith(Sink.ignore(), system)
        .thenApply(done -> ids);
  }

  private CompletionStage<Long> assignEach(Policy policy, List<String> ids, String by) {
    return Source.from(ids)
        .mapAsyncUnordered(ASSIGN_PARALLELISM, id -> entities.device(id)
            .<DeviceSummary>askWithStatus(replyTo -> new DeviceCommand.AssignPolicy(policy, by, replyTo), askTimeout))
        .runWith(Sink.fold(0L, (count, summary) -> count + 1), system)
        .exceptionally(failure -> {
          throw new GrpcServiceException(Status.UNAVAILABLE.withDescription(
              "assignment of " + policy.name() + " v" + policy.version()
                  + " stopped part-way; devices assigned so far keep it, repeat the call to finish: "
                  + GrpcErrors.message(failure)));
        });
  }

}
