package io.fleetcontrol.agent.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * Employee requests from the moment they are asked to the controller's answer. Requests wait here,
 * in order, until a stream is up; once sent they wait for the ack with their id. A stream that drops
 * before the ack puts its requests back at the front, to go again with the same ids: the controller
 * remembers the ids it took, so a request it already took is answered, not done twice. Any thread
 * may add; the agent actor does the rest. It outlives actor restarts, and the agent keeps
 * {@link #pending()} in its cache on disk, so neither a crash nor a restart loses a request.
 */
public final class RequestOutbox {

  private final Deque<EmployeeRequest> unsent = new ArrayDeque<>();
  private final LinkedHashMap<String, EmployeeRequest> inFlight = new LinkedHashMap<>();
  private final Map<String, CompletableFuture<RequestOutcome>> outcomes = new LinkedHashMap<>();
  private String closedBecause;

  /** Queues the request; the outcome fails at once if the outbox is already closed. */
  public synchronized CompletionStage<RequestOutcome> add(EmployeeRequest request) {
    if (closedBecause != null) {
      return CompletableFuture.failedFuture(new RequestUnansweredException(closedBecause));
    }
    CompletableFuture<RequestOutcome> outcome = new CompletableFuture<>();
    unsent.addLast(request);
    outcomes.put(request.requestId(), outcome);
    return outcome;
  }

  /**
   * Sends waiting requests in order until {@code send} refuses one (stream full or gone); that one
   * and those behind it wait for the next call.
   */
  public synchronized int sendQueued(Predicate<EmployeeRequest> send) {
    int sent = 0;
    while (!unsent.isEmpty() && send.test(unsent.peekFirst())) {
      EmployeeRequest request = unsent.removeFirst();
      inFlight.put(request.requestId(), request);
      sent++;
    }
    return sent;
  }

  /** Completes the request the ack names; false when it names none of ours (a policy ack, say). */
  public boolean answer(String requestId, RequestOutcome outcome) {
    CompletableFuture<RequestOutcome> waiting;
    synchronized (this) {
      inFlight.remove(requestId);
      waiting = outcomes.remove(requestId);
    }
    // Outside the lock: completing runs the caller's callbacks on this thread.
    return waiting != null && waiting.complete(outcome);
  }

  /** The stream that carried the sent requests is gone: they go again first, in the order asked. */
  public synchronized void connectionLost() {
    List<EmployeeRequest> again = new ArrayList<>(inFlight.values());
    inFlight.clear();
    for (int i = again.size() - 1; i >= 0; i--) {
      unsent.addFirst(again.get(i));
    }
  }

  /** Everything not yet answered, in the order asked: what the cache on disk keeps. */
  public synchronized List<EmployeeRequest> pending() {
    List<EmployeeRequest> all = new ArrayList<>(inFlight.values());
    all.addAll(unsent);
    return all;
  }

  /** Unanswered requests from the cache of an earlier run; whoever asked then no longer waits. */
  public synchronized void restore(List<EmployeeRequest> requests) {
    requests.forEach(r -> {
      unsent.addLast(r);
      outcomes.put(r.requestId(), new CompletableFuture<>());
    });
  }

  /** Fails every unanswered request, and every later one at once. */
  public void close(String why) {
    List<CompletableFuture<RequestOutcome>> unanswered;
    synchronized (this) {
      if (closedBecause != null) {
        return;
      }
      closedBecause = why;
      unanswered = new ArrayList<>(outcomes.values());
      outcomes.clear();
      inFlight.clear();
      unsent.clear();
    }
    fail(unanswered, why);
  }

  private static void fail(List<CompletableFuture<RequestOutcome>> outcomes, String why) {
    outcomes.forEach(outcome -> outcome.completeExceptionally(new RequestUnansweredException(why)));
  }
}
