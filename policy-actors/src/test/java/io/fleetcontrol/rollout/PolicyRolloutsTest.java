package io.fleetcontrol.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.device.MutableClock;
import io.fleetcontrol.policy.rollout.RolloutGates;
import io.fleetcontrol.refusal.Refusal;
import io.fleetcontrol.refusal.RefusalException;
import io.fleetcontrol.rollout.PolicyRollouts.Rollout;
import io.fleetcontrol.rollout.PolicyRollouts.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command of a policy's rollouts: the decisions journaled, what the executor is told, the refusals. */
class PolicyRolloutsTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  /** What the entity asked of the executor, in order: "run default-1 0", "rollback default-1", "stop default-1". */
  private final BlockingQueue<String> executed = new LinkedBlockingQueue<>();
  private MutableClock clock;
  private EventSourcedBehaviorTestKit<PolicyRollouts.Command, PolicyRollouts.Event, PolicyRollouts.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(NOW);
    PolicyRollouts.RolloutExecutor executor = new PolicyRollouts.RolloutExecutor() {
      @Override
      public void runWave(Rollout rollout, int wave) {
        executed.add("run " + rollout.rolloutId() + " " + wave);
      }

      @Override
      public void rollBack(Rollout rollout) {
        executed.add("rollback " + rollout.rolloutId());
      }

      @Override
      public void stop(String rolloutId) {
        executed.add("stop " + rolloutId);
      }
    };
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), PolicyRollouts.create("default", executor, clock));
  }

  private static PolicyRollouts.Spec spec(boolean autoRollback) {
    RolloutGates g = RolloutGates.DEFAULTS;
    RolloutGates gates = new RolloutGates(g.minAckFraction(), g.ackDeadline(), g.soak(), g.maxBatteryDrainRatio(),
        g.maxUploadRatio(), g.maxErrorRatio(), g.maxPauseRateRatio(), autoRollback);
    return new PolicyRollouts.Spec("default", 2, new PolicyRollouts.Selector(true, Map.of(), List.of()),
        List.of(10.0, 100.0), gates);
  }

  private String nextExecuted() throws InterruptedException {
    String next = executed.poll(3, TimeUnit.SECONDS);
    assertTrue(next != null, "the executor was told nothing");
    return next;
  }

  private Rollout start(boolean autoRollback) throws InterruptedException {
    var result = kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Start(spec(autoRollback), "ops", r));
    Rollout started = result.reply().getValue();
    assertEquals("run " + started.rolloutId() + " 0", nextExecuted());
    return started;
  }

  private StatusReply<Rollout> pause(String id) {
    return kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Pause(id, "ops", r)).reply();
  }

  private StatusReply<Rollout> resume(String id) {
    return kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Resume(id, "ops", r)).reply();
  }

  private StatusReply<Rollout> abort(String id) {
    return kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Abort(id, "ops", r)).reply();
  }

  private StatusReply<Rollout> rollback(String id) {
    return kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Rollback(id, "ops", r)).reply();
  }

  private Rollout rollout(String id) {
    return kit.getState().find(id).orElseThrow();
  }

  private static Refusal refusal(StatusReply<?> reply) {
    assertTrue(reply.isError(), "expected a refusal, got " + reply);
    return assertInstanceOf(RefusalException.class, reply.getError()).refusal();
  }

  @Test
  void startJournalsTheRolloutAndRunsItsFirstWave() throws InterruptedException {
    var result = kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Start(spec(false), "ops", r));
    Rollout started = result.reply().getValue();
    assertEquals("default-1", started.rolloutId());
    assertEquals(Status.RUNNING, started.status());
    assertEquals(0, started.currentWave());
    assertEquals("ops", started.startedBy());
    assertEquals(NOW, started.createTime());
    assertInstanceOf(PolicyRollouts.RolloutStarted.class, result.event());
    assertEquals("run default-1 0", nextExecuted());
  }

  @Test
  void aSecondStartIsRefusedWhileOneIsActive() throws InterruptedException {
    start(false);
    var result = kit.<StatusReply<Rollout>>runCommand(r -> new PolicyRollouts.Start(spec(false), "ops", r));
    Refusal refusal = refusal(result.reply());
    assertInstanceOf(Refusal.Conflict.class, refusal);
    assertEquals("rollout default-1 of policy default is still running; abort it or let it finish before "
        + "starting another", refusal.message());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void aFinishedRolloutLetsTheNextStartWithTheNextNumber() throws InterruptedException {
    start(false);
    abort("default-1");
    assertEquals("stop default-1", nextExecuted());
    Rollout second = start(false);
    assertEquals("default-2", second.rolloutId());
  }

  @Test
  void getAndListShowTheRolloutWithTheExecutorsProgress() throws InterruptedException {
    start(false);
    PolicyRollouts.Progress progress = new PolicyRollouts.Progress(0, 10, 5, 3, "waiting for acks");
    kit.runCommand(new PolicyRollouts.ReportProgress("default-1", progress));
    var got = kit.<StatusReply<PolicyRollouts.View>>runCommand(r -> new PolicyRollouts.Get("default-1", r));
    assertEquals(progress, got.reply().getValue().progress());
    assertEquals("default-1", got.reply().getValue().rollout().rolloutId());
    assertTrue(got.hasNoEvents());
    var all = kit.<StatusReply<PolicyRollouts.Views>>runCommand(PolicyRollouts.ListAll::new);
    assertEquals(List.of(got.reply().getValue()), all.reply().getValue().all());
  }

  @Test
  void anUnknownRolloutIsNotFoundForEveryOrder() {
    String expected = "policy default has no rollout default-9";
    var got = kit.<StatusReply<PolicyRollouts.View>>runCommand(r -> new PolicyRollouts.Get("default-9", r));
    assertEquals(new Refusal.NotFound(expected), refusal(got.reply()));
    assertEquals(new Refusal.NotFound(expected), refusal(pause("default-9")));
    assertEquals(new Refusal.NotFound(expected), refusal(resume("default-9")));
    assertEquals(new Refusal.NotFound(expected), refusal(abort("default-9")));
    assertEquals(new Refusal.NotFound(expected), refusal(rollback("default-9")));
    assertTrue(kit.getState().rollouts().isEmpty());
  }

  @Test
  void wavesPassUntilTheLastThenTheRolloutSucceeds() throws InterruptedException {
    start(false);
    clock.advance(Duration.ofMinutes(20));
    var firstCount = new PolicyRollouts.Progress(0, 20, 20, 19, "passed");
    var first = kit.runCommand(new PolicyRollouts.WavePassed("default-1", 0, "95% acked", firstCount));
    assertEquals(List.of(new PolicyRollouts.WaveCompleted("default-1", 0, "95% acked", NOW.plus(Duration.ofMinutes(20)),
            firstCount)),
        first.events());
    assertEquals("run default-1 1", nextExecuted());
    assertEquals("wave 2 running", rollout("default-1").statusMessage());

    var lastCount = new PolicyRollouts.Progress(1, 1000, 1000, 1000, "passed");
    var last = kit.runCommand(new PolicyRollouts.WavePassed("default-1", 1, "all acked", lastCount));
    assertEquals(2, last.events().size());
    assertInstanceOf(PolicyRollouts.RolloutSucceeded.class, last.events().get(1));
    Rollout done = rollout("default-1");
    assertEquals(Status.SUCCEEDED, done.status());
    assertEquals(List.of("95% acked", "all acked"), done.waveMessages());
    // A passed wave keeps its counts, so the admin API shows them after the wave is over.
    assertEquals(firstCount, done.passed(0).orElseThrow());
    assertEquals(lastCount, done.passed(1).orElseThrow());
    assertNull(executed.poll(), "a succeeded rollout runs no further wave");
  }

  @Test
  void aLateReportOfAnotherWaveOrAStoppedRolloutChangesNothing() throws InterruptedException {
    start(false);
    assertTrue(kit.runCommand(new PolicyRollouts.WavePassed("default-1", 1, "late", null)).hasNoEvents());
    assertTrue(kit.runCommand(new PolicyRollouts.WaveFailed("default-1", 1, "late")).hasNoEvents());
    assertTrue(kit.runCommand(new PolicyRollouts.WavePassed("default-7", 0, "unknown", null)).hasNoEvents());
    assertTrue(kit.runCommand(new PolicyRollouts.RollbackDone("default-1", 3)).hasNoEvents());
    pause("default-1");
    assertTrue(kit.runCommand(new PolicyRollouts.WavePassed("default-1", 0, "after pause", null)).hasNoEvents());
    assertEquals(Status.PAUSED, rollout("default-1").status());
  }

  @Test
  void aFailedGatePausesTheRollout() throws InterruptedException {
    start(false);
    var result = kit.runCommand(new PolicyRollouts.WaveFailed("default-1", 0, "error ratio 3.0 > 1.5"));
    assertEquals(List.of(new PolicyRollouts.RolloutPaused("default-1", "",
        "wave 1 failed its gate: error ratio 3.0 > 1.5", NOW)), result.events());
    assertEquals(Status.PAUSED, rollout("default-1").status());
    assertNull(executed.poll(), "without auto-rollback nothing is rolled back");
  }

  @Test
  void aFailedGateWithAutoRollbackRollsBackUntilDone() throws InterruptedException {
    start(true);
    var result = kit.runCommand(new PolicyRollouts.WaveFailed("default-1", 0, "acks 50% < 95%"));
    assertEquals(2, result.events().size());
    assertInstanceOf(PolicyRollouts.RollbackStarted.class, result.events().get(1));
    assertEquals("rollback default-1", nextExecuted());
    assertEquals(Status.ROLLING_BACK, rollout("default-1").status());

    kit.runCommand(new PolicyRollouts.RollbackDone("default-1", 4));
    Rollout done = rollout("default-1");
    assertEquals(Status.ROLLED_BACK, done.status());
    assertEquals("wave 1 failed its gate: acks 50% < 95%; rolled back 4 devices to the version they had",
        done.statusMessage());
  }

  @Test
  void pauseAndResumeStopAndRunTheCurrentWave() throws InterruptedException {
    start(false);
    StatusReply<Rollout> paused = pause("default-1");
    assertEquals(Status.PAUSED, paused.getValue().status());
    assertEquals("paused by ops", paused.getValue().statusMessage());
    assertEquals("stop default-1", nextExecuted());

    assertEquals(new Refusal.Conflict("rollout default-1 is paused, not running"), refusal(pause("default-1")));

    StatusReply<Rollout> resumed = resume("default-1");
    assertEquals(Status.RUNNING, resumed.getValue().status());
    assertEquals("wave 1 running (resumed by ops)", resumed.getValue().statusMessage());
    assertEquals("run default-1 0", nextExecuted());

    assertEquals(new Refusal.Conflict("rollout default-1 is running, not paused"), refusal(resume("default-1")));
  }

  @Test
  void abortStopsTheRolloutOnceAndOnlyWhileItRunsOrIsPaused() throws InterruptedException {
    start(false);
    pause("default-1");
    assertEquals("stop default-1", nextExecuted());
    StatusReply<Rollout> aborted = abort("default-1");
    assertEquals(Status.ABORTED, aborted.getValue().status());
    assertEquals("stop default-1", nextExecuted());
    assertEquals(new Refusal.Conflict("rollout default-1 is aborted, not running or paused"),
        refusal(abort("default-1")));
  }

  @Test
  void rollbackByHandStopsTheWaveAndRevertsAndIsRefusedTwice() throws InterruptedException {
    start(false);
    StatusReply<Rollout> rolling = rollback("default-1");
    assertEquals(Status.ROLLING_BACK, rolling.getValue().status());
    assertEquals("stop default-1", nextExecuted());
    assertEquals("rollback default-1", nextExecuted());
    assertEquals(new Refusal.Conflict("rollout default-1 is rolling_back, not not rolled back already"),
        refusal(rollback("default-1")));
    kit.runCommand(new PolicyRollouts.RollbackDone("default-1", 0));
    assertEquals(new Refusal.Conflict("rollout default-1 is rolled_back, not not rolled back already"),
        refusal(rollback("default-1")));
  }

  @Test
  void afterARestartARunningRolloutCarriesOnWithItsWave() throws InterruptedException {
    start(false);
    kit.runCommand(new PolicyRollouts.WavePassed("default-1", 0, "ok", null));
    assertEquals("run default-1 1", nextExecuted());
    Rollout before = rollout("default-1");

    kit.restart();
    assertEquals(before, rollout("default-1"));
    assertEquals("run default-1 1", nextExecuted(), "the running wave is asked for again after recovery");
  }

  @Test
  void afterARestartARollbackInProgressCarriesOnAndAPausedRolloutWaits() throws InterruptedException {
    start(true);
    kit.runCommand(new PolicyRollouts.WaveFailed("default-1", 0, "bad"));
    assertEquals("rollback default-1", nextExecuted());
    kit.restart();
    assertEquals("rollback default-1", nextExecuted());
    kit.runCommand(new PolicyRollouts.RollbackDone("default-1", 1));

    start(false); // default-2
    pause("default-2");
    assertEquals("stop default-2", nextExecuted());
    kit.restart();
    assertEquals(Status.PAUSED, rollout("default-2").status());
    assertNull(executed.poll(500, TimeUnit.MILLISECONDS), "a paused rollout runs nothing after recovery");
  }

  @Test
  void policyOfReadsTheNameBeforeTheLastDash() {
    assertEquals("eng-laptops", PolicyRollouts.policyOf("eng-laptops-3"));
    assertEquals("", PolicyRollouts.policyOf("nodash"));
  }
}
