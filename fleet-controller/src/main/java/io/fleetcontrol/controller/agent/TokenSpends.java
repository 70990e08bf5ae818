package io.fleetcontrol.controller.agent;

import io.fleetcontrol.enrollment.EnrollmentToken;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * This node's enrollments on their way to their token's entity. One batch per token is in flight at
 * a time; what arrives meanwhile goes in the next batch, so the entity writes once per batch and an
 * enrollment storm on one token costs a journal write per round trip, not per device.
 */
public final class TokenSpends {

  /** Bounded, so one batch stays a small journal write and a small message between nodes. */
  static final int MAX_BATCH = 500;

  private record Pending(EnrollmentToken.SpendRequest request, CompletableFuture<EnrollmentToken.SpendOutcome> outcome) {}

  /** A token's requests waiting for the batch in flight to come back. */
  private static final class Line {
    final List<Pending> waiting = new ArrayList<>();
  }

  private final ActorSystem<?> system;
  private final Duration askTimeout;
  /** Tokens with a batch in flight; guarded by {@code this}. */
  private final Map<String, Line> inFlight = new HashMap<>();

  public TokenSpends(ActorSystem<?> system, Duration askTimeout) {
    this.system = system;
    this.askTimeout = askTimeout;
  }

  public CompletionStage<EnrollmentToken.SpendOutcome> spend(String tokenId, EnrollmentToken.SpendRequest request) {
    Pending pending = new Pending(request, new CompletableFuture<>());
    boolean sendNow;
    synchronized (this) {
      Line line = inFlight.get(tokenId);
      sendNow = line == null;
      if (sendNow) {
        inFlight.put(tokenId, new Line());
      } else {
        line.waiting.add(pending);
      }
    }
    if (sendNow) {
      send(tokenId, List.of(pending));
    }
    return pending.outcome();
  }

  private void send(String tokenId, List<Pending> batch) {
    EnrollmentToken.ref(system, tokenId)
        .<EnrollmentToken.SpendOutcomes>ask(
            replyTo -> new EnrollmentToken.Spend(batch.stream().map(Pending::request).toList(), replyTo), askTimeout)
        .whenComplete((answer, failure) -> {
          for (int i = 0; i < batch.size(); i++) {
            if (failure != null) {
              batch.get(i).outcome().completeExceptionally(failure);
            } else {
              batch.get(i).outcome().complete(answer.outcomes().get(i));
            }
          }
          List<Pending> next = null;
          synchronized (this) {
            Line line = inFlight.get(tokenId);
            if (line.waiting.isEmpty()) {
              inFlight.remove(tokenId);
            } else {
              List<Pending> head = line.waiting.subList(0, Math.min(MAX_BATCH, line.waiting.size()));
              next = List.copyOf(head);
              head.clear();
            }
          }
          if (next != null) {
            send(tokenId, next);
          }
        });
  }
}
