package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.device.PresenceDirectory;
import io.fleetcontrol.policy.Decision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries what this node's device entities hear (last heartbeat, capture state and why) to the read
 * side, without a write per heartbeat. A device's row is written when its word changes (capture state
 * or reason), when it is first heard on this node, and otherwise about once per {@code keepAlive}
 * (counted from the last heartbeat it wrote, so up to a heartbeat interval sooner); such a
 * row is <em>live</em>: it names this node ({@code live_on}), which vouches that the device is heard
 * and writes its true last heartbeat, no longer live, as soon as it has been silent for
 * {@code staleAfter} or its entity leaves this node. So queries see a silent device turn stale as
 * before, while a device heartbeating unchanged costs one small write per keep-alive. Queries trust a
 * live row only while its node is a member ({@link ConnectionRules}, {@link FleetView}).
 *
 * <p>Each word carries an order (microseconds, at least its heartbeat's time, and above the device's
 * previous word on this node): the store keeps the highest, so a late word from a node the device
 * left never overwrites the newer word of the node that hears it now. Writes go out every flush
 * interval, the latest word per device; a write that fails is kept for the next flush unless a newer
 * word arrived meanwhile. While writes fail, rows stay as last written (a live row reads online for
 * up to keep-alive plus stale-after).
 *
 * <p>The facts this node's entities journal (an enrollment, a policy assigned or applied) go out at
 * the same flush, a device's facts folded into one row write, instead of only when the projection
 * reads them from the journal: that path adds the events-by-tag query's consistency delay and its
 * queue, seconds in an enrollment storm or a rollout. The projection still writes each fact (after a
 * crash this node's pending ones are lost, the journal's are not), and the store keeps the later fact
 * whichever write lands last ({@link DeviceStore.RowChange}). A failed fact write is folded back in.
 */
public final class PresenceWriter implements PresenceDirectory {

  private static final Logger log = LoggerFactory.getLogger(PresenceWriter.class);
  private static final int WRITES_IN_FLIGHT = 32;

  /** A row as written: {@code liveOn} is this node while it watches the device, "" once not. */
  record Word(Instant lastSeen, String liveOn, String captureState, String reason, long order) {

    boolean sameState(Word other) {
      return other != null && liveOn.equals(other.liveOn) && captureState.equals(other.captureState)
          && Objects.equals(reason, other.reason);
    }
  }

  /** One device heard on this node: its last heartbeat and the word last queued for its row. */
  private record Watch(long lastHeardMillis, Instant lastHeard, Word queued) {}

  private final Map<String, Watch> watched = new ConcurrentHashMap<>();
  private final Map<String, Word> pendingWords = new ConcurrentHashMap<>();
  private final Map<String, DeviceStore.RowChange> pendingFacts = new ConcurrentHashMap<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final ActorSystem<?> system;
  private final DeviceStore directory;
  private final Clock clock;
  private final Duration keepAlive;
  private final long staleAfterMillis;
  private final String self;
  /** Told the time of every flush that left nothing behind (the operators' "presence flush age"). */
  private volatile java.util.function.Consumer<Instant> onFlushed = at -> { };

  /** {@code self}: this node (its unique address), which the rows it vouches for name. */
  PresenceWriter(ActorSystem<?> system, DeviceStore directory, Clock clock, Duration keepAlive, Duration staleAfter,
      String self) {
    this.system = system;
    this.directory = directory;
    this.clock = clock;
    this.keepAlive = keepAlive;
    this.staleAfterMillis = staleAfter.toMillis();
    this.self = self;
  }

  public static PresenceWriter start(ActorSystem<?> system, DeviceStore directory, Clock clock,
      Duration flushInterval, Duration keepAlive, Duration staleAfter, String self) {
    PresenceWriter writer = new PresenceWriter(system, directory, clock, keepAlive, staleAfter, self);
    system.scheduler().scheduleWithFixedDelay(flushInterval, flushInterval, writer::flush, system.executionContext());
    return writer;
  }

  public void onFlushed(java.util.function.Consumer<Instant> listener) {
    this.onFlushed = listener;
  }

  /** A word after {@code previous}: ordered by its heartbeat, and always above what came before. */
  private static Word word(Instant lastSeen, String liveOn, String state, String reason, Word previous) {
    long order = Math.max(DeviceStore.order(lastSeen), previous == null ? Long.MIN_VALUE : previous.order() + 1);
    return new Word(lastSeen, liveOn, state, reason, order);
  }

  @Override
  public void heard(String deviceId, Instant at, Decision decision) {
    // compute: one device's heard, sweep and forget never interleave.
    watched.compute(deviceId, (id, watch) -> {
      Word queued = watch == null ? null : watch.queued();
      Word next = word(at, self, decision.state().name(), decision.reason(), queued);
      boolean due = !next.sameState(queued); // an unchanged word waits for the sweep's keep-alive
      if (due) {
        pendingWords.put(id, next);
      }
      return new Watch(at.toEpochMilli(), at, due ? next : queued);
    });
  }

  @Override
  public void journaled(DeviceEvent event) {
    DeviceStore.RowChange.of(event).ifPresent(this::queueFact);
  }

  private void queueFact(DeviceStore.RowChange change) {
    pendingFacts.merge(change.deviceId(), change, DeviceStore.RowChange::then);
  }

  /** A fact whose write failed goes back before what was queued since. */
  private void keepFact(DeviceStore.RowChange failed) {
    pendingFacts.merge(failed.deviceId(), failed, (queuedSince, again) -> again.then(queuedSince));
  }

  /** The entity stopped on this node (moved, passivated, shut down): its row says so, and is ours no more. */
  @Override
  public void forget(String deviceId) {
    watched.computeIfPresent(deviceId, (id, watch) -> {
      quiet(id, watch);
      return null;
    });
  }

  /** Queues the device's true last heartbeat, not live: this node no longer vouches for it. */
  private void quiet(String deviceId, Watch watch) {
    Word queued = watch.queued();
    if (queued != null) {
      pendingWords.put(deviceId, word(watch.lastHeard(), "", queued.captureState(), queued.reason(), queued));
    }
  }

  /**
   * The one place a row's age is acted on. Devices silent for stale-after: their rows get their true
   * last heartbeat and stop being live. Devices heard since their row was written a keep-alive ago
   * (the keep-alive): it is written again now, not at their next heartbeat, since a reader counts the
   * row online until keep-alive plus stale-after past its {@code last_seen}, and waiting for a heartbeat
   * would spend up to a heartbeat interval of that margin.
   */
  private void sweep(Instant now) {
    long silentSince = now.toEpochMilli() - staleAfterMillis;
    long writtenBefore = now.toEpochMilli() - keepAlive.toMillis();
    for (Map.Entry<String, Watch> each : watched.entrySet()) {
      Watch seen = each.getValue();
      if (seen.lastHeardMillis() > silentSince && keepAliveDue(seen, writtenBefore)) {
        watched.computeIfPresent(each.getKey(), (id, watch) -> {
          if (!keepAliveDue(watch, writtenBefore)) {
            return watch; // written meanwhile
          }
          Word queued = watch.queued();
          Word next = word(watch.lastHeard(), self, queued.captureState(), queued.reason(), queued);
          pendingWords.put(id, next);
          return new Watch(watch.lastHeardMillis(), watch.lastHeard(), next);
        });
      } else if (seen.lastHeardMillis() <= silentSince) {
        // Heard again, it is written afresh as live; until then there is nothing more to say.
        watched.computeIfPresent(each.getKey(), (id, watch) -> {
          if (watch.lastHeardMillis() > silentSince) {
            return watch; // heard meanwhile
          }
          quiet(id, watch);
          return null;
        });
      }
    }
  }

  private static boolean keepAliveDue(Watch watch, long writtenBefore) {
    Word queued = watch.queued();
    return queued != null && queued.lastSeen().toEpochMilli() <= writtenBefore && watch.lastHeard().isAfter(queued.lastSeen());
  }

  /** A write that throws before it returns a stage fails like one whose stage fails: the flush goes on. */
  private static CompletionStage<Done> started(Supplier<CompletionStage<Done>> write) {
    try {
      return write.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** One row write of a flush; {@code keep} queues it again when it fails. */
  private record Write(Supplier<CompletionStage<Done>> write, Runnable keep) {}

  /** Writes what is pending; package-private so tests can flush on their own clock. */
  CompletionStage<Integer> flush() {
    sweep(clock.instant());
    if (pendingWords.isEmpty() && pendingFacts.isEmpty()) {
      if (!flushing.get()) {
        onFlushed.accept(clock.instant());
      }
      return CompletableFuture.completedFuture(0);
    }
    if (!flushing.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(0); // the previous flush is still writing; these wait
    }
    Instant started = clock.instant();
    List<Write> batch = new ArrayList<>(pendingWords.size() + pendingFacts.size());
    for (String deviceId : pendingFacts.keySet()) {
      DeviceStore.RowChange change = pendingFacts.remove(deviceId);
      if (change != null) {
        batch.add(new Write(() -> directory.update(change), () -> keepFact(change)));
      }
    }
    for (String deviceId : pendingWords.keySet()) {
      Word w = pendingWords.remove(deviceId);
      if (w != null) {
        batch.add(new Write(
            () -> directory.recordPresence(deviceId, w.lastSeen(), w.liveOn(), w.captureState(), w.reason(), w.order()),
            () -> pendingWords.putIfAbsent(deviceId, w)));
      }
    }
    return Source.from(batch)
        .mapAsyncUnordered(WRITES_IN_FLIGHT, each -> started(each.write())
            .handle((done, failure) -> {
              if (failure != null) {
                each.keep().run();
              }
              return failure == null ? 0 : 1;
            }))
        .runWith(Sink.fold(0, Integer::sum), system)
        .whenComplete((failed, failure) -> {
          flushing.set(false);
          if (failure == null && failed == 0) {
            onFlushed.accept(started);
          } else {
            log.warn("Read-side flush (presence and facts): {} of {} writes failed, kept for the next flush{}",
                failed, batch.size(),
                failure == null ? "" : " (" + failure + ")");
          }
        })
        .thenApply(failed -> batch.size() - failed);
  }
}
