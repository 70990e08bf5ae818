package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.PresenceDirectory;
import io.fleetcontrol.policy.Decision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries what this node's device entities hear (last heartbeat, capture state and why) to the read
 * side, without a write per heartbeat. A device's row is written when its word changes (capture state
 * or reason), when it is first heard on this node, and otherwise once per {@code keepAlive}; such a
 * row is <em>live</em>: this node vouches that the device is heard, and writes its true last heartbeat
 * as soon as it has been silent for {@code staleAfter}. So queries see a silent device turn stale as
 * before, while a device that keeps heartbeating unchanged costs one small write per keep-alive, not
 * one per heartbeat. If this node dies, its live rows stop being vouched for after {@code keepAlive}
 * (see {@link ConnectionRules}); each row names the node vouching for it, so queries stop trusting
 * it as soon as that node leaves the cluster or becomes unreachable. Writes go out every flush interval, the latest word per device; a
 * write that fails is kept for the next flush unless a newer word arrived meanwhile.
 */
public final class PresenceWriter implements PresenceDirectory {

  private static final Logger log = LoggerFactory.getLogger(PresenceWriter.class);
  private static final int WRITES_IN_FLIGHT = 32;

  /** A row as written: {@code liveOn} is this node while it watches the device, null once it fell silent. */
  record Word(Instant lastSeen, String liveOn, String captureState, String reason) {

    boolean sameState(Word other) {
      return other != null && java.util.Objects.equals(liveOn, other.liveOn) && captureState.equals(other.captureState)
          && java.util.Objects.equals(reason, other.reason);
    }
  }

  /** One device heard on this node: when it was last heard, and the word last queued for its row. */
  private static final class Watch {
    volatile Instant lastHeard;
    volatile Word queued;
  }

  private final Map<String, Watch> watched = new ConcurrentHashMap<>();
  private final Map<String, Word> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final ActorSystem<?> system;
  private final DeviceStore directory;
  private final Clock clock;
  private final Duration keepAlive;
  private final Duration staleAfter;
  private final String self;

  /** {@code self}: this node's address, which the rows it vouches for name. */
  PresenceWriter(ActorSystem<?> system, DeviceStore directory, Clock clock, Duration keepAlive, Duration staleAfter,
      String self) {
    this.system = system;
    this.directory = directory;
    this.clock = clock;
    this.keepAlive = keepAlive;
    this.staleAfter = staleAfter;
    this.self = self;
  }

  public static PresenceWriter start(ActorSystem<?> system, DeviceStore directory, Clock clock,
      Duration flushInterval, Duration keepAlive, Duration staleAfter, String self) {
    PresenceWriter writer = new PresenceWriter(system, directory, clock, keepAlive, staleAfter, self);
    system.scheduler().scheduleWithFixedDelay(flushInterval, flushInterval, writer::flush, system.executionContext());
    return writer;
  }

  @Override
  public void heard(String deviceId, Instant at, Decision decision) {
    Watch watch = watched.computeIfAbsent(deviceId, id -> new Watch());
    watch.lastHeard = at;
    Word word = new Word(at, self, decision.state().name(), decision.reason());
    Word queued = watch.queued;
    boolean due = !word.sameState(queued) || Duration.between(queued.lastSeen(), at).compareTo(keepAlive) >= 0;
    if (due) {
      watch.queued = word;
      pending.put(deviceId, word);
    }
  }

  /** The entity stopped on this node (moved, passivated, shut down): its row is no longer ours to write. */
  @Override
  public void forget(String deviceId) {
    watched.remove(deviceId);
  }

  /** Devices silent for {@code staleAfter}: their rows get their true last heartbeat and stop being live. */
  private void sweepSilent(Instant now) {
    for (Map.Entry<String, Watch> each : watched.entrySet()) {
      Watch watch = each.getValue();
      Word queued = watch.queued;
      Instant lastHeard = watch.lastHeard;
      if (queued != null && lastHeard != null && Duration.between(lastHeard, now).compareTo(staleAfter) >= 0) {
        pending.put(each.getKey(), new Word(lastHeard, null, queued.captureState(), queued.reason()));
        // Heard again, it is written afresh as live; until then there is nothing more to say.
        watched.remove(each.getKey(), watch);
      }
    }
  }

  /** Writes what is pending; package-private so tests can flush on their own clock. */
  CompletionStage<Integer> flush() {
    sweepSilent(clock.instant());
    if (pending.isEmpty() || !flushing.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(0); // the previous flush is still writing; these wait
    }
    List<Map.Entry<String, Word>> batch = new ArrayList<>(pending.size());
    for (String deviceId : pending.keySet()) {
      Word word = pending.remove(deviceId);
      if (word != null) {
        batch.add(Map.entry(deviceId, word));
      }
    }
    return Source.from(batch)
        .mapAsyncUnordered(WRITES_IN_FLIGHT, each -> directory
            .recordPresence(each.getKey(), each.getValue().lastSeen(), each.getValue().liveOn(),
                each.getValue().captureState(), each.getValue().reason())
            .handle((done, failure) -> {
              if (failure != null) {
                pending.putIfAbsent(each.getKey(), each.getValue());
              }
              return failure == null ? 0 : 1;
            }))
        .runWith(Sink.fold(0, Integer::sum), system)
        .whenComplete((failed, failure) -> {
          flushing.set(false);
          if (failure != null || failed > 0) {
            log.warn("Presence flush: {} of {} writes failed, kept for the next flush{}", failed, batch.size(),
                failure == null ? "" : " (" + failure + ")");
          }
        })
        .thenApply(failed -> batch.size() - failed);
  }
}
