package io.fleetcontrol.controller.metrics;

import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import io.fleetcontrol.device.DeviceLifecycle;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * This node's meters, served as Prometheus text at {@code /metrics} on the management port
 * ({@link MetricsRoutes}). A Pekko extension, so the route pekko-management builds and the wiring
 * that records into it share one registry. Names follow Prometheus conventions once rendered
 * ({@code fleet_agent_heartbeats_total}, {@code fleet_read_side_lag_seconds}); every label takes
 * a bounded set of values (a state, a kind, a policy version, a running rollout), never a device id.
 */
public final class FleetMetrics implements Extension {

  public static final ExtensionId<FleetMetrics> ID = new ExtensionId<>() {
    @Override
    public FleetMetrics createExtension(ActorSystem<?> system) {
      FleetMetrics metrics = new FleetMetrics();
      // The Cassandra driver records into Micrometer's global registry when given none.
      Metrics.addRegistry(metrics.registry);
      system.getWhenTerminated().thenRun(() -> Metrics.removeRegistry(metrics.registry));
      return metrics;
    }
  };

  public static FleetMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** What became of a heartbeat at the agents' edge. */
  public enum HeartbeatOutcome { ACCEPTED, OVER_RATE, INVALID }

  /** What became of an agent's request (pause, resume, exemption, notice, policy ack). */
  public enum RequestOutcome { ACCEPTED, REFUSED, UNANSWERED }

  /** What became of an Enroll call. */
  public enum EnrollmentOutcome { ENROLLED, REFUSED, UNAVAILABLE }

  /** How a rollout's wave ended on this node. */
  public enum WaveOutcome { PASSED, FAILED }

  /** A running rollout's wave as this node works on it. */
  public record RunningWave(String policy, String rolloutId, int wave, long devices, long acked) {}

  /** Latency buckets for gRPC calls: a few fixed ones keep the series per method small. */
  private static final Duration[] CALL_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};
  /** A healthy dispatcher answers in microseconds; a millisecond is already a busy node. */
  private static final Duration[] WAIT_BUCKETS = {
      Duration.ofNanos(100_000), Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
      Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<HeartbeatOutcome, Counter> heartbeats;
  private final Map<Boolean, Timer> journalWrites;
  private final Map<Boolean, Timer> deviceRecoveries;
  private final AtomicLong devicesRunning = new AtomicLong();
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<EnrollmentOutcome, Counter> enrollments;
  private final Map<WaveOutcome, Counter> waves;
  private final Map<String, AtomicLong> projectionLagMillis = new ConcurrentHashMap<>();
  private final AtomicLong presenceFlushedAtMillis = new AtomicLong(System.currentTimeMillis());
  private final MultiGauge devicesByConnection;
  private final MultiGauge devicesByCapture;
  private final MultiGauge devicesByPolicy;
  private final MultiGauge rolloutDevices;
  private final MultiGauge rolloutAcked;
  private final MultiGauge rolloutWave;
  private final MultiGauge readSideBehind;
  private final ServerInterceptor grpc;

  private FleetMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    heartbeats = byOutcome(HeartbeatOutcome.class, "fleet.agent.heartbeats",
        "Heartbeats received from agents on this node");
    enrollments = byOutcome(EnrollmentOutcome.class, "fleet.agent.enrollments", "Enroll calls answered by this node");
    waves = byOutcome(WaveOutcome.class, "fleet.rollout.waves",
        "Rollout waves this node judged, by the gates' verdict");
    Gauge.builder("fleet.read.side.presence.flush.age", presenceFlushedAtMillis,
            at -> (System.currentTimeMillis() - at.get()) / 1000.0)
        .baseUnit("seconds").description("Time since this node last had every presence change and journaled fact written to the read side")
        .register(registry);
    devicesByConnection = MultiGauge.builder("fleet.devices").description("Enrolled devices by connection state")
        .register(registry);
    devicesByCapture = MultiGauge.builder("fleet.devices.capture").description("Devices by capture state")
        .register(registry);
    devicesByPolicy = MultiGauge.builder("fleet.devices.policy")
        .description("Devices by the policy version they applied").register(registry);
    rolloutDevices = MultiGauge.builder("fleet.rollout.devices")
        .description("Devices in the current wave of each rollout running on this node").register(registry);
    rolloutAcked = MultiGauge.builder("fleet.rollout.acked")
        .description("Devices of the current wave that acked, per rollout running on this node").register(registry);
    rolloutWave = MultiGauge.builder("fleet.rollout.wave")
        .description("The wave each rollout running on this node is at (1 is the first)").register(registry);
    readSideBehind = MultiGauge.builder("fleet.read.side.behind").baseUnit("seconds")
        .description("Age of the oldest journal event each projection has not processed yet (0: none); grows while one is stuck")
        .register(registry);
    journalWrites = Map.of(true, journalTimer("ok"), false, journalTimer("error"));
    deviceRecoveries = Map.of(true, recoveryTimer("completed"), false, recoveryTimer("failed"));
    Gauge.builder("fleet.entities.running", devicesRunning, AtomicLong::get).tag("entity", "device")
        .description("Device entities running on this node").register(registry);
    grpc = new MetricCollectingServerInterceptor(registry, counter -> counter,
        timer -> timer.serviceLevelObjectives(CALL_BUCKETS));
  }

  private Timer journalTimer(String outcome) {
    return Timer.builder("fleet.journal.write").tag("outcome", outcome).serviceLevelObjectives(CALL_BUCKETS)
        .description("Batches of events written to the journal, from the plugin's start of the write to Cassandra's answer")
        .register(registry);
  }

  private Timer recoveryTimer(String outcome) {
    return Timer.builder("fleet.entity.recovery").tag("entity", "device").tag("outcome", outcome)
        .serviceLevelObjectives(CALL_BUCKETS)
        .description("Device entities started on this node (each reads its state back from the journal), by outcome")
        .register(registry);
  }

  void journalWrite(long nanos, boolean ok) {
    journalWrites.get(ok).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** What the device entities of this node tell of their starts and stops. */
  public DeviceLifecycle deviceLifecycle() {
    return new DeviceLifecycle() {
      @Override
      public void recovered(Duration took) {
        devicesRunning.incrementAndGet();
        deviceRecoveries.get(true).record(took);
      }

      @Override
      public void recoveryFailed(Duration took) {
        deviceRecoveries.get(false).record(took);
      }

      @Override
      public void stopped() {
        devicesRunning.decrementAndGet();
      }
    };
  }

  /**
   * How long a task waits for a thread of each dispatcher, sampled every second: the first sign of a
   * node out of CPU or of something blocking its threads, before asks start timing out. Pekko does not
   * expose its pools' queues, so a probe task measures the wait.
   */
  public void probeDispatchers(ActorSystem<?> system) {
    for (String dispatcher : List.of("pekko.actor.default-dispatcher", "pekko.actor.internal-dispatcher")) {
      Executor threads = system.dispatchers().lookup(DispatcherSelector.fromConfig(dispatcher));
      Timer wait = Timer.builder("fleet.dispatcher.wait").tag("dispatcher", dispatcher.replaceFirst("^pekko\\.actor\\.", ""))
          .serviceLevelObjectives(WAIT_BUCKETS)
          .description("Time a probe task queued on a Pekko dispatcher waited for a thread").register(registry);
      // Submitted from the scheduler's own thread, so the probe never waits on the pool it measures.
      var probe = system.scheduler().scheduleAtFixedRate(Duration.ofSeconds(1), Duration.ofSeconds(1), () -> {
        long queued = System.nanoTime();
        threads.execute(() -> wait.record(System.nanoTime() - queued, TimeUnit.NANOSECONDS));
      }, scala.concurrent.ExecutionContext.parasitic$.MODULE$);
      // Not into dispatchers that are shutting down.
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-probe-" + dispatcher,
          () -> {
            probe.cancel();
            return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
          });
    }
  }

  /** Counts calls by service, method and status, with a latency histogram; outermost on the server. */
  public ServerInterceptor grpcInterceptor() {
    return grpc;
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public void heartbeat(HeartbeatOutcome outcome) {
    heartbeats.get(outcome).increment();
  }

  /** {@code kind}: the request's message case, as its field is named (pause_request, policy_ack, ...). */
  public void request(ConnectRequest.MessageCase kind, RequestOutcome outcome) {
    String kindLabel = kind == ConnectRequest.MessageCase.MESSAGE_NOT_SET ? "empty" : label(kind);
    requests.computeIfAbsent(kindLabel + "|" + outcome, key -> Counter.builder("fleet.agent.requests")
        .tags("kind", kindLabel, "outcome", label(outcome))
        .description("Requests agents sent on their streams, by kind and outcome").register(registry)).increment();
  }

  public void enrollment(EnrollmentOutcome outcome) {
    enrollments.get(outcome).increment();
  }

  public void wave(WaveOutcome outcome) {
    waves.get(outcome).increment();
  }

  /** A projection wrote events whose newest was journaled at {@code newest}. */
  public void projected(String projection, Instant newest, Instant now) {
    projectionLagMillis.computeIfAbsent(projection, name -> {
      AtomicLong lag = new AtomicLong();
      Gauge.builder("fleet.read.side.lag", lag, millis -> millis.get() / 1000.0).tag("projection", name)
          .baseUnit("seconds").description("How far behind the journal the newest event of the projection's last "
              + "written group was").register(registry);
      return lag;
    }).set(Math.max(0, Duration.between(newest, now).toMillis()));
  }

  /** The projection stopped on this node (moved, shut down): its series goes, the node running it now has one. */
  public void projectionStopped(String projection) {
    if (projectionLagMillis.remove(projection) != null) {
      registry.find("fleet.read.side.lag").tag("projection", projection).meters().forEach(registry::remove);
    }
  }

  /** Per projection, how old its oldest unprocessed event is ({@code ProjectionBacklog}). */
  public void readSideBehind(Map<String, Duration> backlog) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    backlog.forEach((projection, age) -> rows.add(MultiGauge.Row.of(Tags.of("projection", projection),
        age.toMillis() / 1000.0)));
    readSideBehind.register(rows, true);
  }

  public void presenceFlushed(Instant at) {
    presenceFlushedAtMillis.set(at.toEpochMilli());
  }

  /** Open agent streams on this node, read at every scrape. */
  public <T> void streamsOpen(T source, ToDoubleFunction<T> count) {
    Gauge.builder("fleet.agent.streams.open", source, count).description("Agent streams open on this node")
        .register(registry);
  }

  /** Cluster members by status, read at every scrape. */
  public void clusterMembers(Supplier<Map<String, Long>> byStatus) {
    for (String status : List.of("up", "unreachable")) {
      // Strong: Micrometer holds a gauge's object weakly, and nothing else holds this lambda (NaN after a GC).
      Gauge.builder("fleet.cluster.members", byStatus, s -> s.get().getOrDefault(status, 0L))
          .tag("status", status).description("Cluster members this node sees, by status").strongReference(true)
          .register(registry);
    }
  }

  /** The fleet as the summary counts it; refreshed by the wiring every few seconds. */
  public void fleet(GetFleetSummaryResponse summary) {
    devicesByConnection.register(List.of(
        MultiGauge.Row.of(Tags.of("connection", "online"), summary.getOnline()),
        MultiGauge.Row.of(Tags.of("connection", "stale"), summary.getStale()),
        MultiGauge.Row.of(Tags.of("connection", "offline"), summary.getOffline())), true);
    // Every state, 0 where no device is in it: a graph shows a line at 0, not a gap.
    List<MultiGauge.Row<?>> capture = new ArrayList<>();
    for (CaptureState state : CaptureState.values()) {
      if (state != CaptureState.CAPTURE_STATE_UNSPECIFIED && state != CaptureState.UNRECOGNIZED) {
        capture.add(MultiGauge.Row.of(Tags.of("state", label(state).replaceFirst("^capture_state_", "")),
            summary.getByCaptureStateOrDefault(state.name(), 0)));
      }
    }
    devicesByCapture.register(capture, true);
    List<MultiGauge.Row<?>> policies = new ArrayList<>();
    summary.getByAppliedPolicyList().forEach(count -> policies.add(MultiGauge.Row.of(
        Tags.of("policy", count.getPolicy().getPolicyName(), "version", Long.toString(count.getPolicy().getVersion())),
        count.getDevices())));
    devicesByPolicy.register(policies, true);
  }

  /** The rollouts running on this node now; a finished one's series go away. */
  public void rollouts(List<RunningWave> running) {
    List<MultiGauge.Row<?>> devices = new ArrayList<>();
    List<MultiGauge.Row<?>> acked = new ArrayList<>();
    List<MultiGauge.Row<?>> wave = new ArrayList<>();
    for (RunningWave run : running) {
      Tags tags = Tags.of("policy", run.policy(), "rollout", run.rolloutId());
      devices.add(MultiGauge.Row.of(tags, run.devices()));
      acked.add(MultiGauge.Row.of(tags, run.acked()));
      wave.add(MultiGauge.Row.of(tags, run.wave() + 1));
    }
    rolloutDevices.register(devices, true);
    rolloutAcked.register(acked, true);
    rolloutWave.register(wave, true);
  }

  /** A counter per outcome, registered up front so every series exists before its first event. */
  private <E extends Enum<E>> Map<E, Counter> byOutcome(Class<E> outcomes, String name, String description) {
    Map<E, Counter> counters = new EnumMap<>(outcomes);
    for (E outcome : outcomes.getEnumConstants()) {
      counters.put(outcome, Counter.builder(name).tag("outcome", label(outcome)).description(description)
          .register(registry));
    }
    return counters;
  }

  private static String label(Enum<?> value) {
    return value.name().toLowerCase(java.util.Locale.ROOT);
  }
}
