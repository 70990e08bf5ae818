package io.fleetcontrol.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** A value one thread changes and any thread reads or waits on. */
final class Watched<T> {

  private record Waiter<T>(Predicate<? super T> condition, CompletableFuture<T> reached) {}

  private final List<Waiter<T>> waiters = new ArrayList<>();
  private volatile T value;

  Watched(T initial) {
    value = initial;
  }

  T get() {
    return value;
  }

  void change(UnaryOperator<T> change) {
    List<Waiter<T>> reached = new ArrayList<>();
    T changed;
    synchronized (waiters) {
      changed = change.apply(value);
      value = changed;
      waiters.removeIf(w -> w.condition().test(changed) && reached.add(w));
    }
    // Outside the lock: completing runs the waiters' callbacks on this thread.
    reached.forEach(w -> w.reached().complete(changed));
  }

  /** Completes with the first value that meets the condition, the current one included. */
  CompletionStage<T> when(Predicate<? super T> condition) {
    synchronized (waiters) {
      if (condition.test(value)) {
        return CompletableFuture.completedFuture(value);
      }
      Waiter<T> waiter = new Waiter<>(condition, new CompletableFuture<>());
      waiters.add(waiter);
      return waiter.reached();
    }
  }
}
