package io.fleetcontrol.controller.rollout;

import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.rollout.RolloutPlan;
import io.fleetcontrol.policy.rollout.WaveHealth;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does the work of a rollout's waves on this node. A wave: find its devices (the selector, then
 * the plan's hash), then, polling every half second, ask the devices not yet on the version where
 * they stand and assign the version, a second's worth per poll, to those whose target is not it yet
 * (so a failed or lost assignment is simply made again, and a device that acked is never sent
 * anything again), counting acks as they come, until enough acked or the deadline passed; then
 * soak and compare the wave's health with the selected devices not yet on the version. Answers the rollout entity with WavePassed or WaveFailed. Assignments go through a
 * throttle and a bounded number in flight, so a large fleet is not hit at once.
 */
public final class RolloutRunner implements PolicyRollouts.RolloutExecutor {

  private static final Logger log = LoggerFactory.getLogger(RolloutRunner.class);
  private static final int IN_FLIGHT = 32;
  /**
   * Assignments waiting for their device's journal write at once: each takes milliseconds to tens of
   * milliseconds under load, so 32 would hold a wave to a few hundred devices a second whatever the
   * throttle allows.
   */
  private static final int ASSIGNMENTS_IN_FLIGHT = 256;
  private static final Duration POLL = Duration.ofMillis(500);
  /** A poll of thousands of devices takes seconds: its acks are reported as they come, this often at most. */
  private static final Duration REPORT_ACKS_EVERY = Duration.ofMillis(500);
  private static final Duration HEALTH_RETRY = Duration.ofSeconds(5);
  /** The rest a wave is compared with: a sample is enough for a mean. */
  private static final int MAX_COMPARED = 300;

  private final ActorSystem<?> system;
  private final DeviceStore directory;
  private final EntityRefs entities;
  private final Duration askTimeout;
  private final int assignmentsPerSecond;
  private final FleetMetrics metrics;
  private final ConcurrentHashMap<String, Run> running = new ConcurrentHashMap<>();

  public RolloutRunner(ActorSystem<?> system, DeviceStore directory, EntityRefs entities, Duration askTimeout,
      int assignmentsPerSecond, FleetMetrics metrics) {
    this.system = system;
    this.metrics = metrics;
    this.directory = directory;
    this.entities = entities;
    this.askTimeout = askTimeout;
    this.assignmentsPerSecond = assignmentsPerSecond;
  }

  @Override
  public void runWave(PolicyRollouts.Rollout rollout, int wave) {
    Run run = new Run(rollout, wave);
    Run before = running.putIfAbsent(rollout.rolloutId(), run);
    if (before != null && before.wave == wave && !before.stopped) {
      return; // Already at it: a recovered entity asked again.
    }
    if (before != null) {
      before.stopped = true;
      running.put(rollout.rolloutId(), run);
    }
    run.start();
  }

  /** The waves this node is working on now, as the operators' gauges show them. */
  public List<FleetMetrics.RunningWave> runningWaves() {
    return running.values().stream()
        .filter(run -> !run.stopped && run.targets != null)
        .map(run -> new FleetMetrics.RunningWave(run.spec.policyName(), run.rollout.rolloutId(), run.wave,
            run.targets.size(), run.acked.size()))
        .toList();
  }

  @Override
  public void stop(String rolloutId) {
    Run run = running.remove(rolloutId);
    if (run != null) {
      run.stopped = true;
    }
  }

  @Override
  public void rollBack(PolicyRollouts.Rollout rollout) {
    var spec = rollout.spec();
    RolloutPlan plan = new RolloutPlan(spec.wavePercents());
    selected(spec.selector())
        .thenCompose(ids -> Source.from(ids)
            .filter(id -> plan.waveOf(rollout.rolloutId(), id) <= rollout.currentWave())
            .throttle(assignmentsPerSecond, Duration.ofSeconds(1))
            .mapAsyncUnordered(ASSIGNMENTS_IN_FLIGHT, id -> device(id)
                .<DeviceSummary>askWithStatus(r -> new DeviceCommand.RevertPolicy(spec.policyName(), spec.policyVersion(), r),
                    askTimeout)
                .thenApply(summary -> onVersion(summary, spec) ? 0L : 1L)
                .exceptionally(failure -> 0L))
            .runWith(Sink.fold(0L, Long::sum), system))
        .whenComplete((reverted, failure) -> {
          if (failure != null) {
            log.warn("Rollback of {} stopped: {}; it carries on when the rollout entity asks again", rollout.rolloutId(),
                failure.toString());
            return;
          }
          entities.rollouts(spec.policyName()).tell(new PolicyRollouts.RollbackDone(rollout.rolloutId(), reverted));
        });
  }

  /** One wave being worked on; {@code stopped} ends it at the next step. */
  private final class Run {
    final PolicyRollouts.Rollout rollout;
    final int wave;
    final PolicyRollouts.Spec spec;
    volatile boolean stopped;
    /** Acked enough: the soak and the health verdict follow, and no more ack counts are reported. */
    volatile boolean soaking;
    Policy policy;
    volatile List<String> targets;
    List<String> rest;
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    /** Devices assigned at least once in this wave; a poll assigns the others first. */
    final Set<String> tried = ConcurrentHashMap.newKeySet();
    final AtomicLong assignedTotal = new AtomicLong();
    final AtomicLong lastAckReport = new AtomicLong(System.nanoTime() - REPORT_ACKS_EVERY.toNanos());
    Instant ackDeadline;

    Run(PolicyRollouts.Rollout rollout, int wave) {
      this.rollout = rollout;
      this.wave = wave;
      this.spec = rollout.spec();
    }

    void start() {
      RolloutPlan plan = new RolloutPlan(spec.wavePercents());
      entities.catalog()
          .<Policy>askWithStatus(r -> new PolicyCatalog.GetPolicy(spec.policyName(), spec.policyVersion(), r), askTimeout)
          .thenCombine(selected(spec.selector()), (found, ids) -> {
            policy = found;
            targets = ids.stream().filter(id -> plan.waveOf(rollout.rolloutId(), id) == wave).toList();
            List<String> later = new ArrayList<>(ids.stream().filter(id -> plan.waveOf(rollout.rolloutId(), id) > wave).toList());
            Collections.shuffle(later);
            rest = later.subList(0, Math.min(MAX_COMPARED, later.size()));
            ackDeadline = Instant.now().plus(spec.gates().ackDeadline());
            return found;
          })
          .whenComplete((found, failure) -> {
            if (failure != null) {
              retryLater("cannot start wave " + (wave + 1) + ": " + failure.getMessage());
            } else {
              poll();
            }
          });
    }

    /**
     * Ask the devices not yet acked where they stand (a read from memory, not throttled); assign,
     * through the throttle, where a device's target is not the version yet, until one second's
     * assignments are made. Devices never assigned in this wave come first, so devices whose
     * assignment keeps failing cannot hold back the rest.
     */
    void poll() {
      if (stopped) {
        return;
      }
      List<String> pending = targets.stream().filter(id -> !acked.contains(id))
          .sorted(Comparator.comparing(tried::contains)) // stable: untried first, each in target order
          .toList();
      Source.from(pending)
          // In order, so the untried come first to the assignments, whichever device answers first.
          .mapAsync(IN_FLIGHT, id -> summary(id)
              .thenApply(found -> found.filter(s -> needsAssignment(id, s)).map(s -> id)))
          .mapConcat(found -> found.map(List::of).orElse(List.of()))
          // One second's assignments per poll: the next poll, half a second later, counts the acks of
          // those while the rest are being assigned, instead of after the whole wave was.
          .take(assignmentsPerSecond)
          .throttle(assignmentsPerSecond, Duration.ofSeconds(1))
          .mapAsyncUnordered(ASSIGNMENTS_IN_FLIGHT, this::assign)
          .runWith(Sink.ignore(), system)
          .whenComplete((done, failure) -> afterPoll());
    }

    /** Records an ack; true where the device's target is not the version yet. */
    private boolean needsAssignment(String id, DeviceSummary s) {
      if (onVersion(s, spec) && s.appliedPolicy().equals(s.targetPolicy())) {
        acked.add(id);
        reportAcksNowAndThen();
        return false;
      }
      return !onVersion(s, spec); // otherwise assigned and waiting for the agent's ack
    }

    private void reportAcksNowAndThen() {
      if (stopped || soaking) {
        // An answer of a poll cut short, arriving after the wave moved on: its count is not news.
        return;
      }
      long now = System.nanoTime();
      long last = lastAckReport.get();
      if (now - last >= REPORT_ACKS_EVERY.toNanos() && lastAckReport.compareAndSet(last, now)) {
        report("waiting for acks");
      }
    }

    private CompletionStage<Void> assign(String id) {
      tried.add(id);
      assignedTotal.incrementAndGet();
      String by = "rollout " + rollout.rolloutId();
      return device(id)
          .<DeviceSummary>askWithStatus(r -> new DeviceCommand.AssignPolicy(policy, by, r), askTimeout)
          .handle((ok, failure) -> null);
    }

    private void afterPoll() {
      if (stopped) {
        return;
      }
      long needed = (long) Math.ceil(spec.gates().minAckFraction() * targets.size());
      report(acked.size() >= needed ? "soaking" : "waiting for acks");
      if (acked.size() >= needed) {
        soak();
      } else if (Instant.now().isAfter(ackDeadline)) {
        fail(acked.size() + " of " + targets.size() + " devices acked within " + spec.gates().ackDeadline().toSeconds()
            + " s; " + needed + " needed (" + Math.round(spec.gates().minAckFraction() * 100) + " %)");
      } else {
        later(POLL, this::poll);
      }
    }

    private void soak() {
      soaking = true;
      Instant soakUntil = Instant.now().plus(spec.gates().soak());
      Instant giveUpAt = soakUntil.plus(spec.gates().soak()).plus(Duration.ofMinutes(1));
      later(spec.gates().soak(), () -> judgeHealth(giveUpAt));
    }

    private void judgeHealth(Instant giveUpAt) {
      if (stopped) {
        return;
      }
      String ackedWords = acked.size() + " of " + targets.size() + " acked";
      if (rest.isEmpty() || targets.isEmpty()) {
        pass(ackedWords + (targets.isEmpty() ? " (no devices in this wave)" : "; no devices left to compare with"));
        return;
      }
      healthOf(targets).thenCombine(healthOf(rest), (waveHealth, restHealth) ->
              WaveHealth.compare(waveHealth, restHealth, spec.gates()))
          .whenComplete((verdict, failure) -> {
            if (stopped) {
              return;
            }
            if (failure != null) {
              later(HEALTH_RETRY, () -> judgeHealth(giveUpAt));
            } else if (verdict.outcome() == WaveHealth.Outcome.PASSED) {
              pass(ackedWords + "; health as the rest's");
            } else if (verdict.outcome() == WaveHealth.Outcome.FAILED) {
              fail(String.join("; ", verdict.reasons()));
            } else if (Instant.now().isAfter(giveUpAt)) {
              fail("not enough data to judge its health: " + String.join("; ", verdict.reasons()));
            } else {
              report("soaking: " + String.join("; ", verdict.reasons()));
              later(HEALTH_RETRY, () -> judgeHealth(giveUpAt));
            }
          });
    }

    private CompletionStage<List<WaveHealth.DeviceHealth>> healthOf(List<String> ids) {
      return Source.from(ids)
          .mapAsyncUnordered(IN_FLIGHT, RolloutRunner.this::summary)
          .mapConcat(found -> found.map(s -> List.of(new WaveHealth.DeviceHealth(s.health(), s.pausesTakenToday())))
              .orElse(List.of()))
          .runWith(Sink.seq(), system);
    }

    private void report(String phase) {
      entities.rollouts(spec.policyName()).tell(new PolicyRollouts.ReportProgress(rollout.rolloutId(),
          new PolicyRollouts.Progress(wave, targets.size(), assignedTotal.get(), acked.size(), phase)));
    }

    private void pass(String message) {
      finish();
      metrics.wave(FleetMetrics.WaveOutcome.PASSED);
      var last = new PolicyRollouts.Progress(wave, targets.size(), assignedTotal.get(), acked.size(), "passed");
      entities.rollouts(spec.policyName()).tell(new PolicyRollouts.WavePassed(rollout.rolloutId(), wave, message, last));
    }

    private void fail(String message) {
      finish();
      metrics.wave(FleetMetrics.WaveOutcome.FAILED);
      entities.rollouts(spec.policyName()).tell(new PolicyRollouts.WaveFailed(rollout.rolloutId(), wave, message));
    }

    private void finish() {
      stopped = true;
      running.remove(rollout.rolloutId(), this);
    }

    private void retryLater(String problem) {
      log.warn("Rollout {}: {}; trying again", rollout.rolloutId(), problem);
      later(HEALTH_RETRY, this::start);
    }

    private void later(Duration delay, Runnable step) {
      system.scheduler().scheduleOnce(delay, () -> {
        if (!stopped) {
          step.run();
        }
      }, system.executionContext());
    }
  }

  private static boolean onVersion(DeviceSummary s, PolicyRollouts.Spec spec) {
    return s.targetPolicy().equals(new PolicyVersion(spec.policyName(), spec.policyVersion()));
  }

  private CompletionStage<Optional<DeviceSummary>> summary(String id) {
    return device(id).<DeviceSummary>askWithStatus(DeviceCommand.GetSummary::new, askTimeout)
        .handle((s, failure) -> Optional.ofNullable(failure == null ? s : null));
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<DeviceCommand> device(String id) {
    return entities.device(id);
  }

  /** The selected devices: listed ones as given, else from the directory by labels or all. */
  CompletionStage<List<String>> selected(PolicyRollouts.Selector selector) {
    if (!selector.deviceIds().isEmpty()) {
      return CompletableFuture.completedFuture(selector.deviceIds());
    }
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    return directory.forEach(entry -> {
      if (selector.all() || entry.labels().entrySet().containsAll(selector.labels().entrySet())) {
        ids.add(entry.deviceId());
      }
    }).thenApply(done -> List.copyOf(ids));
  }
}
