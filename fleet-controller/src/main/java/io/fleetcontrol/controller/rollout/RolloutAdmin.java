package io.fleetcontrol.controller.rollout;

import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.policy.rollout.RolloutGates;
import io.fleetcontrol.policy.rollout.RolloutPlan;
import io.fleetcontrol.proto.v1.AbortRolloutRequest;
import io.fleetcontrol.proto.v1.AbortRolloutResponse;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.GetRolloutResponse;
import io.fleetcontrol.proto.v1.ListRolloutsRequest;
import io.fleetcontrol.proto.v1.ListRolloutsResponse;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.PauseRolloutResponse;
import io.fleetcontrol.proto.v1.ResumeRolloutRequest;
import io.fleetcontrol.proto.v1.ResumeRolloutResponse;
import io.fleetcontrol.proto.v1.RollbackRolloutRequest;
import io.fleetcontrol.proto.v1.RollbackRolloutResponse;
import io.fleetcontrol.proto.v1.Rollout;
import io.fleetcontrol.proto.v1.RolloutStatus;
import io.fleetcontrol.proto.v1.RolloutWave;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.proto.v1.StartRolloutResponse;
import io.fleetcontrol.rollout.PolicyRollouts;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.pattern.StatusReply;

/**
 * Rollouts behind the admin API: a request is checked whole (policy version, selector, waves,
 * gates) and refused with INVALID_ARGUMENT naming every problem before anything starts; then the
 * policy's rollout entity decides, and refuses a second running rollout with FAILED_PRECONDITION.
 */
public final class RolloutAdmin {

  private final EntityRefs entities;
  private final PolicyAdmin policies;
  private final Duration askTimeout;

  public RolloutAdmin(EntityRefs entities, PolicyAdmin policies, Duration askTimeout) {
    this.entities = entities;
    this.policies = policies;
    this.askTimeout = askTimeout;
  }

  // ---- the admin API's calls ----

  public CompletionStage<StartRolloutResponse> startRollout(StartRolloutRequest in, String by) {
    return start(in, by).thenApply(v -> StartRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  public CompletionStage<GetRolloutResponse> get(GetRolloutRequest in) {
    return get(in.getRolloutId()).thenApply(v -> GetRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  public CompletionStage<ListRolloutsResponse> list(ListRolloutsRequest in) {
    return list(in.getPolicyName()).thenApply(all -> ListRolloutsResponse.newBuilder()
        .addAllRollouts(all.stream().map(RolloutAdmin::toProto).toList()).build());
  }

  public CompletionStage<PauseRolloutResponse> pause(PauseRolloutRequest in, String by) {
    return decide(in.getRolloutId(), "pause", r -> new PolicyRollouts.Pause(in.getRolloutId(), by, r))
        .thenApply(v -> PauseRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  public CompletionStage<ResumeRolloutResponse> resume(ResumeRolloutRequest in, String by) {
    return decide(in.getRolloutId(), "resume", r -> new PolicyRollouts.Resume(in.getRolloutId(), by, r))
        .thenApply(v -> ResumeRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  public CompletionStage<AbortRolloutResponse> abort(AbortRolloutRequest in, String by) {
    return decide(in.getRolloutId(), "abort", r -> new PolicyRollouts.Abort(in.getRolloutId(), by, r))
        .thenApply(v -> AbortRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  public CompletionStage<RollbackRolloutResponse> rollback(RollbackRolloutRequest in, String by) {
    return decide(in.getRolloutId(), "roll back", r -> new PolicyRollouts.Rollback(in.getRolloutId(), by, r))
        .thenApply(v -> RollbackRolloutResponse.newBuilder().setRollout(toProto(v)).build());
  }

  CompletionStage<PolicyRollouts.View> start(StartRolloutRequest in, String by) {
    List<String> problems = new ArrayList<>();
    if (in.getPolicyName().isEmpty()) {
      problems.add("policy_name: required");
    }
    if (in.getPolicyVersion() <= 0) {
      problems.add("policy_version: a stored version number is required, got " + in.getPolicyVersion());
    }
    PolicyRollouts.Selector selector = null;
    try {
      selector = selector(in.getSelector());
    } catch (GrpcServiceException e) {
      problems.add(e.getStatus().getDescription());
    }
    List<Double> waves = in.getWavePercentsCount() == 0 ? RolloutPlan.DEFAULT.cumulativePercents() : in.getWavePercentsList();
    problems.addAll(RolloutPlan.problems(waves));
    RolloutGates gates = gates(in);
    problems.addAll(gates.problems());
    if (!problems.isEmpty()) {
      throw InputRules.invalid("the rollout is not valid: " + String.join("; ", problems));
    }
    PolicyRollouts.Spec spec = new PolicyRollouts.Spec(in.getPolicyName(), in.getPolicyVersion(), selector, waves, gates);
    CompletionStage<?> devicesExist = selector.deviceIds().isEmpty()
        ? CompletableFuture.completedFuture(null)
        : policies.allEnrolled(selector.deviceIds()).exceptionally(failure -> {
            throw invalid("selector.device_ids: " + GrpcErrors.message(failure));
          });
    return policies.get(in.getPolicyName(), in.getPolicyVersion())
        .exceptionally(failure -> {
          throw invalid("policy " + in.getPolicyName() + " version " + in.getPolicyVersion() + " is unknown: "
              + GrpcErrors.message(failure));
        })
        .thenCompose(policy -> devicesExist)
        .thenCompose(ok -> entities.rollouts(spec.policyName())
            .<PolicyRollouts.Rollout>askWithStatus(r -> new PolicyRollouts.Start(spec, by, r), askTimeout)
            .exceptionally(failure -> { throw GrpcErrors.fromAsk("start rollout", failure); }))
        .thenApply(rollout -> new PolicyRollouts.View(rollout, null));
  }

  CompletionStage<PolicyRollouts.View> get(String rolloutId) {
    String policy = policyOf(rolloutId);
    return policyExists(policy, "rollout " + rolloutId)
        .thenCompose(known -> entities.rollouts(policy)
            .<PolicyRollouts.View>askWithStatus(r -> new PolicyRollouts.Get(rolloutId, r), askTimeout))
        .exceptionally(failure -> { throw GrpcErrors.fromAsk("get rollout " + rolloutId, failure); });
  }

  /**
   * Rollout entities are remembered (they restart by themselves after a node loss), so one is only
   * ever asked for a policy the catalog has: an unknown name is NOT_FOUND before any entity starts.
   */
  private CompletionStage<Void> policyExists(String policy, String what) {
    return policies.get(policy, 0).handle((found, failure) -> {
      if (failure == null) {
        return null;
      }
      Throwable t = GrpcErrors.cause(failure);
      if (t instanceof GrpcServiceException g && g.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new GrpcServiceException(Status.NOT_FOUND.withDescription(what + " does not exist: policy " + policy
            + " does not exist"));
      }
      throw GrpcErrors.fromAsk(what, t);
    });
  }

  /** Every rollout of the policy, or of every policy when none is named; oldest first. */
  CompletionStage<List<PolicyRollouts.View>> list(String policyName) {
    if (policyName.length() > io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS) {
      throw invalid("policy_name must be at most " + io.fleetcontrol.policy.PolicyValidator.MAX_NAME_CHARS
          + " characters (got " + policyName.length() + ")");
    }
    CompletionStage<List<String>> names = policyName.isEmpty()
        ? policies.list().thenApply(all -> all.stream().map(io.fleetcontrol.policy.Policy::name).toList())
        : policyExists(policyName, "policy_name " + policyName).thenApply(known -> List.of(policyName));
    return names.thenCompose(list -> {
      List<CompletableFuture<List<PolicyRollouts.View>>> each = list.stream()
          .map(name -> entities.rollouts(name)
              .<PolicyRollouts.Views>askWithStatus(PolicyRollouts.ListAll::new, askTimeout)
              .thenApply(PolicyRollouts.Views::all)
              .toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(done -> each.stream()
          .flatMap(f -> f.join().stream())
          .sorted(Comparator.comparing(v -> v.rollout().createTime()))
          .toList());
    }).exceptionally(failure -> { throw GrpcErrors.fromAsk("list rollouts", failure); });
  }

  /** Pause, resume, abort or roll back, as the entity allows from where the rollout stands. */
  CompletionStage<PolicyRollouts.View> decide(String rolloutId, String verb,
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<StatusReply<PolicyRollouts.Rollout>>, PolicyRollouts.Command> command) {
    String policy = policyOf(rolloutId);
    return policyExists(policy, "rollout " + rolloutId)
        .thenCompose(known -> entities.rollouts(policy)
            .<PolicyRollouts.Rollout>askWithStatus(command::apply, askTimeout))
        .exceptionally(failure -> { throw GrpcErrors.fromAsk(verb + " rollout " + rolloutId, failure); })
        .thenApply(rollout -> new PolicyRollouts.View(rollout, null));
  }

  /** Ids and names a caller sends to name a rollout or its policy are at most this long. */
  static final int MAX_ID_CHARS = 128;

  /** The policy a well-formed rollout id ("policy-N", N a positive number) belongs to. */
  static String policyOf(String rolloutId) {
    if (rolloutId.isEmpty()) {
      throw invalid("rollout_id is required");
    }
    if (rolloutId.length() > MAX_ID_CHARS) {
      throw invalid("rollout_id must be at most " + MAX_ID_CHARS + " characters (got " + rolloutId.length() + ")");
    }
    String policy = PolicyRollouts.policyOf(rolloutId);
    String number = rolloutId.substring(policy.length() + 1);
    if (policy.isEmpty() || !number.matches("[1-9][0-9]{0,8}")) {
      throw invalid("rollout_id: " + InputRules.describe(rolloutId) + " is not a rollout id (policy-N)");
    }
    return policy;
  }

  private static PolicyRollouts.Selector selector(DeviceSelector selector) {
    Map<String, String> labels = PolicyAdmin.selectorLabels(selector);
    selector.getDeviceIdsList().forEach(id -> InputRules.deviceId("selector.device_ids", id));
    return new PolicyRollouts.Selector(selector.getAll(), labels, selector.getDeviceIdsList());
  }

  /** Gates as asked; absent ones get the defaults. A zero ratio turns that comparison off. */
  private static RolloutGates gates(StartRolloutRequest in) {
    if (!in.hasGates()) {
      return RolloutGates.DEFAULTS;
    }
    var g = in.getGates();
    RolloutGates d = RolloutGates.DEFAULTS;
    return new RolloutGates(
        g.getMinAckFraction() == 0 ? d.minAckFraction() : g.getMinAckFraction(),
        g.getAckDeadlineSeconds() == 0 ? d.ackDeadline() : Duration.ofSeconds(g.getAckDeadlineSeconds()),
        Duration.ofSeconds(g.getSoakSeconds()),
        g.getMaxBatteryDrainRatio(),
        g.getMaxUploadRatio(),
        g.getMaxErrorRatio(),
        g.getMaxPauseRateRatio(),
        g.getAutoRollback());
  }

  private static GrpcServiceException invalid(String message) {
    return new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(message));
  }

  public static Rollout toProto(PolicyRollouts.View view) {
    PolicyRollouts.Rollout r = view.rollout();
    var spec = r.spec();
    var selector = DeviceSelector.newBuilder().setAll(spec.selector().all())
        .addAllDeviceIds(spec.selector().deviceIds());
    spec.selector().labels().forEach((k, v) -> selector.addLabels(k + "=" + v));
    var gates = io.fleetcontrol.proto.v1.RolloutGates.newBuilder()
        .setMinAckFraction(spec.gates().minAckFraction())
        .setAckDeadlineSeconds(spec.gates().ackDeadline().toSeconds())
        .setSoakSeconds(spec.gates().soak().toSeconds())
        .setMaxBatteryDrainRatio(spec.gates().maxBatteryDrainRatio())
        .setMaxUploadRatio(spec.gates().maxUploadRatio())
        .setMaxErrorRatio(spec.gates().maxErrorRatio())
        .setMaxPauseRateRatio(spec.gates().maxPauseRateRatio())
        .setAutoRollback(spec.gates().autoRollback());
    var out = Rollout.newBuilder()
        .setRolloutId(r.rolloutId())
        .setPolicyName(spec.policyName())
        .setPolicyVersion(spec.policyVersion())
        .setSelector(selector)
        .setGates(gates)
        .setStatus(RolloutStatus.valueOf("ROLLOUT_STATUS_" + (r.status() == PolicyRollouts.Status.ROLLING_BACK
            ? "PAUSED" : r.status().name())))
        .setCurrentWave(r.currentWave())
        .setStatusMessage(r.statusMessage() + (r.startedBy().isEmpty() ? "" : " (started by " + r.startedBy() + ")"))
        .setCreateTime(ProtoMapping.toProto(r.createTime()))
        .setUpdateTime(ProtoMapping.toProto(r.updateTime()));
    for (int i = 0; i < spec.wavePercents().size(); i++) {
      var wave = RolloutWave.newBuilder().setPercent(spec.wavePercents().get(i));
      if (i < r.waveMessages().size()) {
        wave.setState("passed").setGateMessage(r.waveMessages().get(i));
        r.passed(i).ifPresent(last -> wave.setDeviceCount(last.devices()).setAckedCount(last.acked()));
      } else if (i == r.currentWave()) {
        wave.setState(r.status().name().toLowerCase(Locale.ROOT));
        if (r.status() != PolicyRollouts.Status.RUNNING) {
          wave.setGateMessage(r.statusMessage());
        }
        PolicyRollouts.Progress p = view.progress();
        if (p != null && p.wave() == i) {
          wave.setDeviceCount(p.devices()).setAckedCount(p.acked());
          if (r.status() == PolicyRollouts.Status.RUNNING) {
            wave.setGateMessage(p.phase());
          }
        }
      } else {
        wave.setState("pending");
      }
      out.addWaves(wave);
    }
    return out.build();
  }
}
