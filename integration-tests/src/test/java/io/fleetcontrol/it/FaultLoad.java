package io.fleetcontrol.it;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.state.RequestOutcome;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.ApproveExemptionRequest;
import io.fleetcontrol.proto.v1.AssignPolicyRequest;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.Exemption;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import io.fleetcontrol.proto.v1.ListExemptionsRequest;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The people a fault happens to, each writing down in a {@link FactLedger} what the controller
 * acknowledged: employees pausing, resuming and asking for exemptions through their agents, an
 * approver approving, an operator assigning a policy device by device. Each keeps asking through the
 * fault; {@link #stopAndAwaitAnswers} stops new requests and waits for the answers still owed, and for
 * the approver and the operator to finish their lists.
 */
final class FaultLoad implements AutoCloseable {

  private final FactLedger ledger;
  private final Supplier<AdminServiceClient> admin;
  private final String bearer;
  private final AtomicBoolean asking = new AtomicBoolean(true);
  /** Set when the patience of {@link #stopAndAwaitAnswers} runs out: the approver stops looking. */
  private final AtomicBoolean givingUp = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final List<CompletableFuture<?>> owed = new ArrayList<>();
  /** The employees' sequences: one that failed is the test's failure (an unanswered request is not). */
  private final List<CompletableFuture<Void>> chains = new ArrayList<>();
  /**
   * Every admin call's answer (the approver's list and decisions, the operator's assignments), and the
   * slowest write: a fault must cost a clean UNAVAILABLE, never a refusal, an INTERNAL or a hang.
   */
  private final List<Status.Code> adminAnswers = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong slowestAdminAnswerMillis = new AtomicLong();

  /** {@code admin}: asked for a client at each call, so a test can move the approver and operator to another node. */
  FaultLoad(FactLedger ledger, Supplier<AdminServiceClient> admin, String bearer) {
    this.ledger = ledger;
    this.admin = admin;
    this.bearer = bearer;
  }

  /** Each agent's employee pauses, then resumes, {@code rounds} times; a request goes once the one before is answered. */
  void employees(List<DeviceAgent> agents, int rounds, Duration between) {
    for (DeviceAgent agent : agents) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      synchronized (owed) {
        owed.add(done);
        chains.add(done);
      }
      employeeStep(agent, 0, 2 * rounds, between, done);
    }
  }

  private void employeeStep(DeviceAgent agent, int step, int steps, Duration between, CompletableFuture<Void> done) {
    if (step == steps || !asking.get()) {
      done.complete(null);
      return;
    }
    CompletionStage<RequestOutcome> outcome;
    try {
      outcome = step % 2 == 0
          ? ledger.track(agent.deviceId(), FactLedger.Kind.PAUSED, agent.requestPause(Duration.ofMinutes(20)))
          : ledger.track(agent.deviceId(), FactLedger.Kind.RESUMED, agent.requestResume());
    } catch (RuntimeException e) {
      done.completeExceptionally(e); // the test reports this, not "answers still owed"
      return;
    }
    outcome.whenComplete((answer, failure) -> CompletableFuture.runAsync(
        () -> employeeStep(agent, step + 1, steps, between, done),
        CompletableFuture.delayedExecutor(between.toMillis(), TimeUnit.MILLISECONDS)));
  }

  /** One exemption request from each agent's employee, one every {@code every}. */
  void exemptionRequests(List<DeviceAgent> agents, Duration every) {
    background("exemption requests", () -> {
      for (DeviceAgent agent : agents) {
        if (!asking.get()) {
          return;
        }
        CompletionStage<RequestOutcome> outcome = ledger.track(agent.deviceId(), FactLedger.Kind.EXEMPTION_REQUESTED,
            agent.requestExemption(ExemptionScope.NO_SCREENSHOTS, ExemptionReason.SENSITIVE_WORK, "fault drill"));
        synchronized (owed) {
          owed.add(outcome.toCompletableFuture());
        }
        sleep(every);
      }
    });
  }

  /**
   * An approver approving, for two hours, every exemption these devices asked for, until each device has
   * an approval acknowledged: after the load stops too, for as long as {@link #stopAndAwaitAnswers} waits.
   * One not acknowledged is approved again until it is, listed as requested or not: the first try may
   * have been journaled, and then the read side no longer lists it as requested.
   */
  void approver(Set<String> deviceIds) {
    // Exemption ids are per device (ex-1, ex-2, ...): keyed by both.
    Map<String, Exemption> unacknowledged = new LinkedHashMap<>();
    Set<String> acknowledged = new HashSet<>(); // the read side may list one as requested a while longer
    Set<String> devicesApproved = new HashSet<>();
    long until = Instant.now().plusSeconds(7200).getEpochSecond();
    background("approver", () -> {
      while (asking.get() || (devicesApproved.size() < deviceIds.size() && !givingUp.get())) {
        Status listed = Status.OK;
        try {
          admin.get().listExemptions().addHeader("authorization", bearer)
              .invoke(ListExemptionsRequest.newBuilder().setStatus(ExemptionStatus.EXEMPTION_STATUS_REQUESTED)
                  .setPageSize(1000).build())
              .toCompletableFuture().get(30, TimeUnit.SECONDS).getExemptionsList().stream()
              .filter(e -> deviceIds.contains(e.getDeviceId()))
              .filter(e -> !acknowledged.contains(e.getDeviceId() + "/" + e.getExemptionId()))
              .forEach(e -> unacknowledged.putIfAbsent(e.getDeviceId() + "/" + e.getExemptionId(), e));
        } catch (Exception e) {
          listed = Status.fromThrowable(e); // a read: the approver looks again
        }
        adminAnswers.add(listed.getCode());
        for (var it = unacknowledged.values().iterator(); it.hasNext(); ) {
          Exemption exemption = it.next();
          Status answer = adminWrite(exemption.getDeviceId(), FactLedger.Kind.EXEMPTION_APPROVED, () ->
              admin.get().approveExemption().addHeader("authorization", bearer)
                  .invoke(ApproveExemptionRequest.newBuilder().setDeviceId(exemption.getDeviceId())
                      .setExemptionId(exemption.getExemptionId())
                      .setExpireTime(Timestamp.newBuilder().setSeconds(until))
                      .build()));
          if (answer.isOk()) {
            it.remove();
            acknowledged.add(exemption.getDeviceId() + "/" + exemption.getExemptionId());
            devicesApproved.add(exemption.getDeviceId());
            ledger.approved(exemption.getDeviceId(), exemption.getExemptionId());
          }
        }
        sleep(Duration.ofMillis(500));
      }
    });
  }

  /**
   * An operator assigning {@code version} of the default policy to each device in turn, each until
   * acknowledged: after the load stops too, for as long as {@link #stopAndAwaitAnswers} waits.
   */
  void assignments(List<String> deviceIds, long version, Duration between) {
    background("assignments", () -> {
      for (String deviceId : deviceIds) {
        if (givingUp.get()) {
          return;
        }
        Status answer;
        do {
          answer = adminWrite(deviceId, FactLedger.Kind.POLICY_ASSIGNED, () -> admin.get().assignPolicy()
              .addHeader("authorization", bearer)
              .invoke(AssignPolicyRequest.newBuilder().setPolicyName("default").setPolicyVersion(version)
                  .setSelector(DeviceSelector.newBuilder().addDeviceIds(deviceId)).build()));
          if (answer.isOk()) {
            ledger.assigned(deviceId, version);
          }
          sleep(between);
        } while (!answer.isOk() && !givingUp.get());
      }
    });
  }

  private Status adminWrite(String deviceId, FactLedger.Kind kind, Supplier<CompletionStage<?>> call) {
    long start = System.nanoTime();
    Status answer = ledger.call(deviceId, kind, call);
    slowestAdminAnswerMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
    adminAnswers.add(answer.getCode());
    return answer;
  }

  /** Every admin call's answer so far, in order. */
  List<Status.Code> adminAnswers() {
    synchronized (adminAnswers) {
      return List.copyOf(adminAnswers);
    }
  }

  /** Every admin call answered, or told UNAVAILABLE: never refused, never INTERNAL, never a hang. */
  void assertAnsweredCleanly(String during) {
    List<Status.Code> answers = adminAnswers();
    org.junit.jupiter.api.Assertions.assertTrue(
        answers.stream().allMatch(code -> code == Status.Code.OK || code == Status.Code.UNAVAILABLE),
        "admin calls " + during + " answered or UNAVAILABLE, never refused or INTERNAL: " + answers);
  }

  Duration slowestAdminAnswer() {
    return Duration.ofMillis(slowestAdminAnswerMillis.get());
  }

  private void background(String name, Runnable work) {
    Thread thread = new Thread(work, "fault-load-" + name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  private void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      asking.set(false);
    }
  }

  /** Stops asking, then waits up to {@code patience} for the threads and for every answer still owed. */
  void stopAndAwaitAnswers(Duration patience) throws InterruptedException {
    asking.set(false);
    long deadline = System.nanoTime() + patience.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    givingUp.set(true);
    for (Thread thread : threads) {
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " had not finished its list " + patience + " after the load stopped");
      }
    }
    List<CompletableFuture<?>> all;
    synchronized (owed) {
      all = new ArrayList<>(owed);
    }
    try {
      CompletableFuture.allOf(all.stream().map(f -> f.exceptionally(x -> null)).toArray(CompletableFuture[]::new))
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("answers still owed " + patience + " after the load stopped", e);
    }
    synchronized (owed) {
      for (CompletableFuture<Void> chain : chains) {
        chain.join(); // throws what broke an employee's sequence
      }
    }
  }

  @Override
  public void close() {
    asking.set(false);
    givingUp.set(true);
  }
}
