package io.fleetcontrol.agent;

import io.fleetcontrol.agent.link.LinkStatus;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.state.EmployeeControls;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What an agent shows the outside world. The agent actor is the only writer; any thread may read,
 * so the simulator can count thousands of agents without asking each one.
 */
final class AgentStatusBoard {

  private static final int MAX_CONNECTS_KEPT = 16;

  private record VersionWaiter(long version, CompletableFuture<Long> applied) {}

  private volatile LinkStatus status = LinkStatus.ENROLLING;
  private volatile long appliedVersion;
  private volatile String lastProblem = "";
  private final AtomicInteger policyUpdates = new AtomicInteger();
  private final List<VersionWaiter> waiters = new ArrayList<>();
  private final Watched<AgentState> state;
  private final AtomicInteger crashes = new AtomicInteger();
  private final Deque<Instant> recentConnects = new ArrayDeque<>();
  private final Deque<Instant> recentAttempts = new ArrayDeque<>();

  AgentStatusBoard(AgentState restored) {
    this.state = new Watched<>(restored);
  }

  LinkStatus status() {
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

  void status(LinkStatus newStatus) {
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

  AgentState state() {
    return state.get();
  }

  /** The agent actor's only way to change what the gate and the employee see. */
  AgentState changeState(UnaryOperator<AgentState> change) {
    state.change(change);
    return state.get();
  }

  EmployeeControls controls() {
    return state.get().controls();
  }

  CompletionStage<EmployeeControls> whenControls(Predicate<? super EmployeeControls> condition) {
    return state.when(s -> condition.test(s.controls())).thenApply(AgentState::controls);
  }

  CompletionStage<AgentState> whenState(Predicate<? super AgentState> condition) {
    return state.when(condition);
  }

  /** A crash of the agent actor; the next heartbeat reports it as an agent error. */
  void crashed() {
    crashes.incrementAndGet();
  }

  int takeCrashes() {
    return crashes.getAndSet(0);
  }

  void connected(Instant at) {
    remember(recentConnects, at);
  }

  void attempted(Instant at) {
    remember(recentAttempts, at);
  }

  /** When the stream came up, oldest first; the last few only. */
  List<Instant> recentConnects() {
    return copy(recentConnects);
  }

  /** When the agent opened a stream, oldest first; the last few only. */
  List<Instant> recentAttempts() {
    return copy(recentAttempts);
  }

  private static void remember(Deque<Instant> times, Instant at) {
    synchronized (times) {
      times.addLast(at);
      while (times.size() > MAX_CONNECTS_KEPT) {
        times.removeFirst();
      }
    }
  }

  private static List<Instant> copy(Deque<Instant> times) {
    synchronized (times) {
      return List.copyOf(times);
    }
  }
}
