package io.fleetcontrol.agent.state;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.Policy;
import java.time.Instant;
import java.util.Optional;

/**
 * What the agent knows that the gate decides on, as kept on disk between runs. The agent actor is
 * the only writer; the gate and the employee API read snapshots.
 *
 * @param policy the policy in force; null when none arrived yet or the cache was unreadable
 * @param lastControllerContact when the controller was last heard from; null: never
 * @param noticeAcknowledged the policy version whose notice the employee acknowledged here
 * @param controls the pause and exemptions as the controller last told them
 * @param localPause a pause or resume made on this laptop that the controller has not confirmed; null: none
 */
public record AgentState(
    Policy policy,
    Instant lastControllerContact,
    PolicyVersion noticeAcknowledged,
    EmployeeControls controls,
    LocalPause localPause) {

  public static final AgentState EMPTY = new AgentState(null, null, PolicyVersion.NONE, EmployeeControls.NOT_TOLD_YET, null);

  /**
   * The employee's own pause (or resume, when {@code end == start}) made here, in force on this laptop at
   * once and until the controller answers {@code requestId}: pausing never waits for the network.
   */
  public record LocalPause(String requestId, Instant start, Instant end, boolean answered) {

    public LocalPause asAnswered() {
      return new LocalPause(requestId, start, end, true);
    }
  }

  /** End of the pause in force on this laptop: the local one while unconfirmed, else the controller's. */
  public Instant pauseEnd() {
    if (localPause != null) {
      return localPause.end();
    }
    return controls.activePause().map(ActivePause::end).orElse(null);
  }

  /** The pause as the employee sees it, a local one included; empty once it is over. */
  public Optional<ActivePause> pauseAt(Instant now) {
    if (localPause != null) {
      return now.isBefore(localPause.end())
          ? Optional.of(new ActivePause(localPause.start(), localPause.end()))
          : Optional.empty();
    }
    return controls.activePause().filter(p -> now.isBefore(p.end()));
  }

  /** The version number of the policy in force, 0 for none (the simulator's faults key on it). */
  public long policyVersion() {
    return policy == null ? 0 : policy.version();
  }

  /** The policy in force, name and version; {@link PolicyVersion#NONE} for none. */
  public PolicyVersion appliedPolicy() {
    return policy == null ? PolicyVersion.NONE : policy.policyVersion();
  }

  public AgentState withPolicy(Policy newPolicy) {
    return new AgentState(newPolicy, lastControllerContact, noticeAcknowledged, controls, localPause);
  }

  public AgentState withContact(Instant contact) {
    return new AgentState(policy, contact, noticeAcknowledged, controls, localPause);
  }

  public AgentState withNoticeAcknowledged(PolicyVersion version) {
    return new AgentState(policy, lastControllerContact, version, controls, localPause);
  }

  public AgentState withControls(EmployeeControls newControls) {
    return new AgentState(policy, lastControllerContact, noticeAcknowledged, newControls, localPause);
  }

  public AgentState withLocalPause(LocalPause newLocalPause) {
    return new AgentState(policy, lastControllerContact, noticeAcknowledged, controls, newLocalPause);
  }
}
