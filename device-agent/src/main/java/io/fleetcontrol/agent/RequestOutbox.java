package io.fleetcontrol.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * Employee requests from the moment they are asked to the controller's answer. Requests wait here,
 * in order, until a stream is up; once sent they wait for the ack with their id. Any thread may add;
 * the agent actor does the rest. It outlives actor restarts, so a crash loses no unsent request.
 */
final class RequestOutbox {

  private final Deque<EmployeeRequest> unsent = new ArrayDeque<>();
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, CompletableFuture<RequestOutcome>> outcomes = new LinkedHashMap<>();
  private String closedBecause;

  /** Queues the request; the outcome fails at once if the outbox is already closed. */
  synchronized CompletionStage<RequestOutcome> add(EmployeeRequest request) {
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
  synchronized int sendQueued(Predicate<EmployeeRequest> send) {
    int sent = 0;
    while (!unsent.isEmpty() && send.test(unsent.peekFirst())) {
      inFlight.add(unsent.removeFirst().requestId());
      sent++;
    }
    return sent;
  }

  /** Completes the request the ack names; false when it names none of ours (a policy ack, say). */
  boolean answer(String requestId, RequestOutcome outcome) {
    CompletableFuture<RequestOutcome> waiting;
    synchronized (this) {
      inFlight.remove(requestId);
      waiting = outcomes.remove(requestId);
    }
    // Outside the lock: completing runs the caller's callbacks on this thread.
    return waiting != null && waiting.complete(outcome);
  }

  /**
   * The stream that carried the sent requests is gone, and their acks with it. The controller has
   * no duplicate check, so sending them again could pause twice: the callers hear they are in doubt.
   */
  void connectionLost() {
    List<CompletableFuture<RequestOutcome>> inDoubt = new ArrayList<>();
    synchronized (this) {
      inFlight.forEach(id -> inDoubt.add(outcomes.remove(id)));
      inFlight.clear();
    }
    fail(inDoubt, "the connection dropped before the controller answered; it may have taken the request");
  }

  /** Fails every unanswered request, and every later one at once. */
  void close(String why) {
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
