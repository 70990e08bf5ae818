package io.fleetcontrol.agent.simulator;

import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.link.LinkStatus;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What befalls a running simulated fleet besides policy: flaky networks drop and come back, and
 * employees on a version with a {@link FaultSwitches.PauseHabit} pause capture. Driven by one tick at
 * a time (never two at once), so its random numbers need no lock.
 */
final class FleetDisturbances {

  /** One started agent and what the simulator knows of its device. */
  record SimulatedAgent(int number, DeviceAgent agent, boolean flaky) {}

  private static final Logger log = LoggerFactory.getLogger(FleetDisturbances.class);
  // What employees tend to ask for; the policy may refuse the longer ones, as it would a person's.
  private static final List<Duration> PAUSE_LENGTHS =
      List.of(Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30));

  private final FlakyNetwork flaky;
  private final FaultSwitches faults;
  private final Random random;

  FleetDisturbances(FlakyNetwork flaky, FaultSwitches faults, Random random) {
    this.flaky = flaky;
    this.faults = faults;
    this.random = random;
  }

  /** {@code elapsed}: time since the previous tick. */
  void tick(List<SimulatedAgent> agents, Duration elapsed) {
    boolean anyPauses = faults.anyPauseHabit();
    for (SimulatedAgent simulated : agents) {
      if (simulated.flaky()) {
        maybeDrop(simulated.agent(), elapsed);
      }
      if (anyPauses) {
        maybePause(simulated, elapsed);
      }
    }
  }

  // Only a connected agent can lose its network; one already away comes back on its own timer.
  private void maybeDrop(DeviceAgent agent, Duration elapsed) {
    if (agent.status() == LinkStatus.CONNECTED
        && RandomEvents.happened(random, elapsed, flaky.meanTimeBetweenOutages())) {
      agent.goOffline(RandomEvents.between(random, flaky.shortestOutage(), flaky.longestOutage()));
    }
  }

  private void maybePause(SimulatedAgent simulated, Duration elapsed) {
    DeviceAgent agent = simulated.agent();
    faults.pauseHabit(agent.appliedPolicyVersion())
        .filter(habit -> SimulatedDevices.hasTrait(simulated.number(), "pauses", habit.fraction()))
        .filter(habit -> agent.activePause().isEmpty())
        .filter(habit -> RandomEvents.happened(random, elapsed, habit.meanTimeBetweenPauses()))
        .ifPresent(habit -> requestPause(agent, PAUSE_LENGTHS.get(random.nextInt(PAUSE_LENGTHS.size()))));
  }

  private static void requestPause(DeviceAgent agent, Duration length) {
    agent.requestPause(length).whenComplete((outcome, failure) -> {
      if (failure != null) {
        log.debug("Simulated pause of {} on {} got no answer: {}", length, agent.deviceId(), failure.toString());
      } else if (!outcome.accepted()) {
        log.debug("Simulated pause of {} on {} refused: {}", length, agent.deviceId(), outcome.message());
      }
    });
  }
}
