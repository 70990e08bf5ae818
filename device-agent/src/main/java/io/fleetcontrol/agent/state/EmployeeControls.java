package io.fleetcontrol.agent.state;

import io.fleetcontrol.policy.PausesLeft;
import io.fleetcontrol.policy.ExemptionRecord;
import java.util.List;
import java.util.Optional;

/**
 * The pause and the exemptions of this device as the controller last told the agent. They stay as
 * told while the agent is offline: a pause that ran out meanwhile still shows until the next update.
 *
 * @param pausesLeftToday none until the controller first says
 */
public record EmployeeControls(Optional<ActivePause> activePause, PausesLeft pausesLeftToday, List<ExemptionRecord> exemptions) {

  /** Before the controller's first word. */
  public static final EmployeeControls NOT_TOLD_YET = new EmployeeControls(Optional.empty(), PausesLeft.NONE, List.of());

  public EmployeeControls {
    exemptions = List.copyOf(exemptions);
  }

  public EmployeeControls withPause(Optional<ActivePause> newPause, PausesLeft newPausesLeft) {
    return new EmployeeControls(newPause, newPausesLeft, exemptions);
  }

  public EmployeeControls withExemptions(List<ExemptionRecord> newExemptions) {
    return new EmployeeControls(activePause, pausesLeftToday, newExemptions);
  }
}
