package io.fleetcontrol.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What an agent shows the outside world. The agent actor is the only writer; any thread may read,
 * so the simulator can count thousands of agents without asking each one.
 */
final class AgentStatusBoard {

  private record VersionWaiter(long version, CompletableFuture<Long> applied) {}

  private volatile ConnectionStatus status = ConnectionStatus.ENROLLING;
  private volatile long appliedVersion;
  private volatile String lastProblem = "";
  private final AtomicInteger policyUpdates = new AtomicInteger();
  private final List<VersionWaiter> waiters = new ArrayList<>();
  private final Watched<EmployeeControls> controls = new Watched<>(EmployeeControls.NOT_TOLD_YET);

  ConnectionStatus status() {
    return status;
  }

  long appliedVersion() {
    return appliedVersion;
  }

  int policyUpdates() {
    return policyUpdates.get();
  }

  String lastProblem() {
    return lastProblem;
  }

  void status(ConnectionStatus newStatus) {
    status = newStatus;
  }

  void problem(String description) {
    lastProblem = description;
  }

  void policyApplied(long version) {
    policyUpdates.incrementAndGet();
    List<VersionWaiter> reached = new ArrayList<>();
    synchronized (waiters) {
      appliedVersion = version;
      waiters.removeIf(w -> w.version() == version && reached.add(w));
    }
    // Outside the lock: completing runs the waiters' callbacks on this thread.
    reached.forEach(w -> w.applied().complete(version));
  }

  CompletionStage<Long> whenApplied(long version) {
    synchronized (waiters) {
      if (appliedVersion == version) {
        return CompletableFuture.completedFuture(version);
      }
      VersionWaiter waiter = new VersionWaiter(version, new CompletableFuture<>());
      waiters.add(waiter);
      return waiter.applied();
    }
  }

  EmployeeControls controls() {
    return controls.get();
  }

  void pauseTold(Optional<ActivePause> activePause, int pausesLeftToday) {
    controls.change(c -> c.withPause(activePause, pausesLeftToday));
  }

  void exemptionsTold(List<AgentExemption> exemptions) {
    controls.change(c -> c.withExemptions(exemptions));
  }

  CompletionStage<EmployeeControls> whenControls(Predicate<? super EmployeeControls> condition) {
    return controls.when(condition);
  }
}
