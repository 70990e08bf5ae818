package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.PresenceDirectory;
import io.fleetcontrol.policy.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries what device entities hear (last heartbeat, capture state and why) to the read side.
 * Heartbeats are not journaled; instead each flush writes the latest word from every device heard
 * since the previous flush, one small row update each. A device heartbeating every 10 s is
 * written every 10 s, so connection state in queries is right to within a flush interval, and a
 * device that stops heartbeating turns stale and offline by the age of its last row. A write that
 * fails is kept for the next flush unless a newer word arrived meanwhile.
 */
public final class PresenceWriter implements PresenceDirectory {

  private static final Logger log = LoggerFactory.getLogger(PresenceWriter.class);
  private static final int WRITES_IN_FLIGHT = 32;

  record Heard(Instant lastSeen, String captureState, String reason) {}

  private final Map<String, Heard> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final ActorSystem<?> system;
  private final DeviceStore directory;

  private PresenceWriter(ActorSystem<?> system, DeviceStore directory) {
    this.system = system;
    this.directory = directory;
  }

  public static PresenceWriter start(ActorSystem<?> system, DeviceStore directory, Duration flushInterval) {
    PresenceWriter writer = new PresenceWriter(system, directory);
    system.scheduler().scheduleWithFixedDelay(flushInterval, flushInterval, writer::flush, system.executionContext());
    return writer;
  }

  @Override
  public void heard(String deviceId, Instant at, Decision decision) {
    pending.put(deviceId, new Heard(at, decision.state().name(), decision.reason()));
  }

  private void flush() {
    if (pending.isEmpty() || !flushing.compareAndSet(false, true)) {
      return; // the previous flush is still writing; this one's words wait for the next
    }
    List<Map.Entry<String, Heard>> batch = new ArrayList<>(pending.size());
    for (String deviceId : pending.keySet()) {
      Heard heard = pending.remove(deviceId);
      if (heard != null) {
        batch.add(Map.entry(deviceId, heard));
      }
    }
    Source.from(batch)
        .mapAsyncUnordered(WRITES_IN_FLIGHT, each -> directory
            .recordPresence(each.getKey(), each.getValue().lastSeen(), each.getValue().captureState(),
                each.getValue().reason())
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
        });
  }
}
