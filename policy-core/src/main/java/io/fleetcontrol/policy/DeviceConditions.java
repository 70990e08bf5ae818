package io.fleetcontrol.policy;

import java.time.Instant;

/**
 * What the decision needs to know about a device at one moment.
 *
 * @param jurisdiction ISO 3166-1 alpha-2 code of where the device is
 * @param lastControllerContact when the agent last reached the controller (null: never)
 * @param noticeAcknowledgedVersion the policy version whose notice the employee acknowledged (0: none)
 */
public record DeviceConditions(
    String jurisdiction, Instant lastControllerContact, long noticeAcknowledgedVersion) {}
