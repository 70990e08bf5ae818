package io.fleetcontrol.agent.state;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import java.time.Duration;
import java.time.Instant;

/**
 * What the employee asked of the controller, stamped when asked: a request made offline goes up
 * later but keeps the time the employee asked.
 */
public sealed interface EmployeeRequest {

  /** Echoed in the controller's answer. */
  String requestId();

  Instant askedAt();

  record Pause(String requestId, Instant askedAt, Duration duration) implements EmployeeRequest {}

  record Resume(String requestId, Instant askedAt) implements EmployeeRequest {}

  /** The employee read the notice of this policy version and accepts it. */
  record AcknowledgeNotice(String requestId, Instant askedAt, PolicyVersion policy) implements EmployeeRequest {}

  record Exemption(
      String requestId, Instant askedAt, ExemptionScope scope, ExemptionReason reason, String comment)
      implements EmployeeRequest {}
}
